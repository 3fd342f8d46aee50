import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectSavedHosts } from '../../main/terminal/saved-hosts';
import { importSshConfigHosts } from '../../main/tunnels/tunnel-service';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('terminal saved hosts', () => {
  it('gathers tunnel targets, ~/.ssh/config Host entries (resolved, jumps included) and fleet hosts, each once per route', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drover-saved-'));
    await fs.mkdir(path.join(dir, '.ssh'));
    await fs.writeFile(
      path.join(dir, '.ssh', 'config'),
      ['Host bastion', '  HostName 10.0.0.1', '  User jump', '', 'Host rig-*', '  User ops', '', 'Host rig-07', '  HostName 10.1.0.7', '  Port 2207', '  ProxyJump bastion', ''].join('\n'),
    );
    const hop = (host: string, user = 'ops', port = 22) => ({ host, user, port });
    const result = await collectSavedHosts({
      profiles: () => [
        { id: 'p1', name: 'kafka', target: hop('10.2.0.1'), jumps: [] },
        { id: 'p2', name: 'kafka again', target: hop('10.2.0.1'), jumps: [] },
      ],
      sshConfig: () => importSshConfigHosts({ homeDir: dir!, user: 'me' }),
      fleet: () => [{ id: 'h1', name: 'rig-07', group: 'gpu', target: hop('10.1.0.7', 'root'), jumps: [] }],
    });
    expect(result.problems).toEqual([]);
    expect(result.hosts.map((h) => `${h.source}:${h.name}`)).toEqual(['profile:kafka', 'sshConfig:bastion', 'sshConfig:rig-07', 'fleet:rig-07']);
    const rig = result.hosts.find((h) => h.key === 'sshConfig:rig-07')!;
    expect(rig.target).toMatchObject({ host: '10.1.0.7', port: 2207, user: 'ops' });
    expect(rig.jumps).toMatchObject([{ host: '10.0.0.1', user: 'jump', port: 22 }]);
    expect(result.hosts.find((h) => h.source === 'fleet')).toMatchObject({ group: 'gpu', target: { user: 'root' } });
  });

  it('a source that fails is named with its reason; the others still come', async () => {
    const result = await collectSavedHosts({
      profiles: () => [{ id: 'p1', name: 'kafka', target: { host: 'k', user: 'ops', port: 22 }, jumps: [] }],
      sshConfig: () => Promise.reject(new Error('cannot read /root/.ssh/config: EACCES')),
    });
    expect(result.hosts.map((h) => h.name)).toEqual(['kafka']);
    expect(result.problems).toEqual([{ source: 'sshConfig', message: 'cannot read /root/.ssh/config: EACCES' }]);
  });
});
