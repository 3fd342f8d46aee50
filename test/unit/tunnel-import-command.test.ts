import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../main/contract/errors';
import { buildCommand } from '../../main/ssh/shell-quote';
import { importTunnelCommand, type TunnelDraft } from '../../main/tunnels/import-command';
import { splitShellWords } from '../../main/contract/shell-words';

const SEED =
  'autossh -M 0 -o ExitOnForwardFailure=yes -o ServerAliveCountMax=3 -o ServerAliveInterval=10 -NT -L 127.0.0.1:9092:100.70.81.93:9092 -L 10.40.23.250:8086:100.71.38.14:8086 -L 127.0.0.1:2379:100.69.106.78:2379 svc@edgegw01-a1.alt-chain.io';

function invalidInput(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(isAppError(err, 'INVALID_INPUT'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('importTunnelCommand: the seed line', () => {
  it('gives three local forwards to edgegw01-a1 as svc, keepalive 10/3, the LAN bind flagged, no warnings', () => {
    const d = importTunnelCommand(SEED);
    expect(d.target).toEqual({ host: 'edgegw01-a1.alt-chain.io', port: 22, user: 'svc' });
    expect(d.jumps).toEqual([]);
    expect(d.forwards).toEqual([
      { kind: 'local', bindAddress: '127.0.0.1', bindPort: 9092, destHost: '100.70.81.93', destPort: 9092, exposesLan: false },
      { kind: 'local', bindAddress: '10.40.23.250', bindPort: 8086, destHost: '100.71.38.14', destPort: 8086, exposesLan: true },
      { kind: 'local', bindAddress: '127.0.0.1', bindPort: 2379, destHost: '100.69.106.78', destPort: 2379, exposesLan: false },
    ]);
    expect(d.keepalive).toEqual({ intervalSec: 10, countMax: 3 });
    expect(d.identityFiles).toEqual([]);
    expect(d.warnings).toEqual([]);
    expect(d.options).toMatchObject({ ExitOnForwardFailure: 'yes', ServerAliveCountMax: '3', ServerAliveInterval: '10', SessionType: 'none', RequestTTY: 'no' });
    expect(d.name).toBe('edgegw01-a1 9092,8086,2379');
  });

  it('reads the same seed with a path, line continuations, quotes, env and nohup in front', () => {
    const text = [
      'AUTOSSH_GATETIME=0 nohup /usr/bin/autossh -M0 \\',
      '  -o "ExitOnForwardFailure yes" -o ServerAliveCountMax=3 \\',
      "  -o 'ServerAliveInterval=10' -N -T \\",
      '  -L127.0.0.1:9092:100.70.81.93:9092 \\',
      '  -L 10.40.23.250:8086:100.71.38.14:8086 \\',
      '  -L "127.0.0.1:2379:100.69.106.78:2379" \\',
      '  svc@edgegw01-a1.alt-chain.io > /var/log/tunnel.log 2>&1 &',
      '',
    ].join('\n');
    const d = importTunnelCommand(text);
    const seed = importTunnelCommand(SEED);
    expect(d.target).toEqual(seed.target);
    expect(d.forwards).toEqual(seed.forwards);
    expect(d.keepalive).toEqual(seed.keepalive);
    expect(d.warnings.map((w) => w.option)).toEqual(['>/var/log/tunnel.log', '2>&1', '&', 'AUTOSSH_GATETIME=0', 'nohup']);
  });
});

describe('importTunnelCommand: forms', () => {
  it('parses attached and separate forwards, IPv6, dynamic and remote forms', () => {
    const d = importTunnelCommand(
      "ssh -fNT -L9092:kafka:9092 -L '[::1]:80:[fe80::1]:80' -D 1080 -D127.0.0.1:1081 -D '[::1]:1082' -R 1080 -R 0:localhost:22 -R '*:8080:h:80' -R 10.0.0.1:2222:[2001:db8::1]:22 me@gw",
    );
    expect(d.forwards).toEqual([
      { kind: 'local', bindAddress: 'localhost', bindPort: 9092, destHost: 'kafka', destPort: 9092, exposesLan: false },
      { kind: 'local', bindAddress: '::1', bindPort: 80, destHost: 'fe80::1', destPort: 80, exposesLan: false },
      { kind: 'dynamic', bindAddress: 'localhost', bindPort: 1080, exposesLan: false },
      { kind: 'dynamic', bindAddress: '127.0.0.1', bindPort: 1081, exposesLan: false },
      { kind: 'dynamic', bindAddress: '::1', bindPort: 1082, exposesLan: false },
      { kind: 'remote', bindAddress: 'localhost', bindPort: 1080, exposesLan: false },
      { kind: 'remote', bindAddress: 'localhost', bindPort: 0, destHost: 'localhost', destPort: 22, exposesLan: false },
      { kind: 'remote', bindAddress: '*', bindPort: 8080, destHost: 'h', destPort: 80, exposesLan: true },
      { kind: 'remote', bindAddress: '10.0.0.1', bindPort: 2222, destHost: '2001:db8::1', destPort: 22, exposesLan: true },
    ]);
    expect(d.warnings).toEqual([]);
  });

  it('-g opens unbound local and dynamic forwards to the LAN', () => {
    const d = importTunnelCommand('ssh -g -N -L 8080:web:80 -L 127.0.0.1:8081:web:81 -D 1080 -R 9000:x:9000 h');
    expect(d.forwards.map((f) => [f.kind, f.bindAddress, f.exposesLan])).toEqual([
      ['local', '*', true],
      ['local', '127.0.0.1', false],
      ['dynamic', '*', true],
      ['remote', 'localhost', false],
    ]);
  });

  it('takes -p, -l, -i, -J, -o Key Value and ssh:// with first-wins', () => {
    const d = importTunnelCommand(
      "ssh -p 2222 -o Port=2300 -l first -o 'User second' -i ~/.ssh/id_a -o IdentityFile=/k/b -J j1,admin@j2:2022,[2001:db8::7]:2200 -o ServerAliveInterval=1m30s -N -L 1:h:2 third@Target.Example.com",
    );
    expect(d.target).toEqual({ host: 'target.example.com', port: 2222, user: 'first' });
    expect(d.jumps).toEqual([
      { host: 'j1', port: 22 },
      { host: 'j2', port: 2022, user: 'admin' },
      { host: '2001:db8::7', port: 2200 },
    ]);
    expect(d.identityFiles).toEqual(['~/.ssh/id_a', '/k/b']);
    expect(d.keepalive).toEqual({ intervalSec: 90, countMax: 3 });
    // the later, different values are reported, not silently dropped
    expect(d.warnings.map((w) => w.option)).toEqual(['-o Port=2300', "-o User second", '"third@Target.Example.com"']);

    const u = importTunnelCommand('ssh -N -L 1:h:2 ssh://ann@host.x:2200');
    expect(u.target).toEqual({ host: 'host.x', port: 2200, user: 'ann' });

    const two = importTunnelCommand('ssh -o ServerAliveInterval 20 -L 1:h:2 h');
    expect(two.keepalive.intervalSec).toBe(20);
    expect(two.target.host).toBe('h');
    expect(two.warnings.length).toBe(1);
  });

  it('uses Drover keepalive defaults when the command has none, ssh count default with only an interval', () => {
    expect(importTunnelCommand('ssh -L 1:h:2 h').keepalive).toEqual({ intervalSec: 15, countMax: 3 });
    expect(importTunnelCommand('ssh -o ServerAliveCountMax=6 -L 1:h:2 h').keepalive).toEqual({ intervalSec: 15, countMax: 6 });
    expect(importTunnelCommand('ssh -o ServerAliveInterval=7 -L 1:h:2 h').keepalive).toEqual({ intervalSec: 7, countMax: 3 });
  });

  it('lists unknown and unsupported options in warnings', () => {
    const d = importTunnelCommand(
      "ssh -A -X -F ~/.ssh/other -o ProxyCommand='nc %h %p' -o Bogus=1 -o ControlMaster=no -o Compression=yes -o StrictHostKeyChecking=no -Z -L 1:h:2 -L /tmp/sock:h:22 host uptime -p",
    );
    const options = d.warnings.map((w) => w.option);
    expect(options).toEqual([
      '-A',
      '-X',
      '-F ~/.ssh/other',
      '-o ProxyCommand=nc %h %p',
      '-o Bogus=1',
      '-o Compression=yes',
      '-o StrictHostKeyChecking=no',
      '-Z',
      'uptime -p',
      '-L /tmp/sock:h:22',
    ]);
    expect(d.forwards.length).toBe(1);
    expect(d.warnings.find((w) => w.option === '-L /tmp/sock:h:22')!.message).toMatch(/Unix socket/);
  });

  it('treats ssh -M as ControlMaster, autossh -M N as a monitor port', () => {
    expect(importTunnelCommand('ssh -M -L 1:h:2 h').warnings.map((w) => w.option)).toEqual(['-M']);
    expect(importTunnelCommand('autossh -M 20000 -L 1:h:2 h').warnings.map((w) => w.option)).toEqual(['-M 20000']);
    expect(importTunnelCommand('autossh -M 0 -f -L 1:h:2 h').warnings).toEqual([]);
    // bare arguments (no program name)
    expect(importTunnelCommand('-M 0 -N -L 1:h:2 u@h').target).toEqual({ host: 'h', port: 22, user: 'u' });
  });

  it('reports shell expansions and extra commands', () => {
    const d = importTunnelCommand('ssh -i "$HOME/.ssh/id" -L 1:h:2 h; echo done');
    expect(d.warnings.map((w) => w.option)).toEqual(['$HOME', '; echo done']);
    expect(d.identityFiles).toEqual(['$HOME/.ssh/id']);
  });
});

describe('importTunnelCommand: errors name the bad token', () => {
  it.each([
    ['autossh -M 0 -N -L 1:h:2', /no destination/],
    ['ssh -p 99999 h', /99999/],
    ['ssh -p http h', /"http"/],
    ['ssh -L 8080:h h', /"8080:h"/],
    ['ssh -L 8080:h:0 h', /"8080:h:0"/],
    ['ssh -L 0:h:80 h', /"0:h:80"/],
    ['ssh -L ::1:80:h:80 h', /"::1:80:h:80"/],
    ['ssh -D 1:2:3 h', /"1:2:3"/],
    ['ssh -R x:h:1 h', /"x:h:1"/],
    ['ssh -L', /-L needs an argument/],
    ['ssh -J bad:port h', /bad:port|"port"/],
    ['ssh -o Port=0 h', /"0"/],
    ['ssh -o ServerAliveInterval=soon h', /"soon"/],
    ['ssh h:2222', /h:2222/],
    ['ssh "unterminated', /unterminated/],
    ['sudo autossh -M 0 h', /"sudo"/],
    ['ssh -J a -J b h', /only one -J/],
  ])('%s', (text, message) => {
    expect(invalidInput(() => importTunnelCommand(text))).toMatch(message);
  });
});

describe('splitShellWords', () => {
  it('tokenizes like a POSIX shell', () => {
    const words = (t: string) => splitShellWords(t).map((x) => (x.kind === 'word' ? x.value : `<${x.value}>`));
    expect(words(`a 'b c' "d \\"e\\" \\$f \\x" g\\ h i\\\nj # comment`)).toEqual(['a', 'b c', 'd "e" $f \\x', 'g h', 'ij']);
    expect(words('a;b&&c||d|e&')).toEqual(['a', '<;>', 'b', '<&&>', 'c', '<||>', 'd', '<|>', 'e', '<&>']);
    expect(words('cmd 2>&1 >>log <in x#y')).toEqual(['cmd', '<2>&>', '1', '<>>>', 'log', '<<>', 'in', 'x#y']);
    expect(words("''")).toEqual(['']);
    expect(words('a\r\nb')).toEqual(['a', '<\n>', 'b']);
  });
});

/**
 * The oracle: `ssh -G` prints the configuration ssh would use for the same arguments, without
 * connecting. Forwards, host, user, port, jumps, keepalive and identity files must agree.
 */
describe('importTunnelCommand agrees with ssh -G', () => {
  // ssh -G lists -i files only when they exist
  const keyDir = mkdtempSync(join(tmpdir(), 'drover-import-'));
  writeFileSync(join(keyDir, 'id_one'), '');
  writeFileSync(join(keyDir, 'id two'), '');
  afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

  const cases: string[][] = [
    ['-o', 'ExitOnForwardFailure=yes', '-o', 'ServerAliveCountMax=3', '-o', 'ServerAliveInterval=10', '-NT', '-L', '127.0.0.1:9092:100.70.81.93:9092', '-L', '10.40.23.250:8086:100.71.38.14:8086', '-L', '127.0.0.1:2379:100.69.106.78:2379', 'svc@edgegw01-a1.alt-chain.io'],
    ['-NTf', '-L9092:kafka:9092', '-L', '[::1]:80:[fe80::1]:80', '-D1080', '-D', '127.0.0.1:1081', '-p2222', 'me@gw.example.com'],
    ['-g', '-L', '8080:web:80', '-L', '*:8081:web:81', '-L', ':8082:web:82', '-D', '9050', '-R', '1080', '-R', '0:localhost:22', '-R', '*:8080:h:80', '-R', '[::]:2222:127.0.0.1:22', '-R', '10.1.1.1:1081', 'host'],
    ['-o', 'ServerAliveInterval=1m30s', '-o', 'ServerAliveCountMax 5', '-o', 'Port=2200', '-p', '2300', '-l', 'first', '-o', 'User=second', 'third@h.example', '-J', 'j1,admin@j2:2022,[2001:db8::7]:22', '-o', 'LocalForward=5432 db.internal:5432', '-o', 'DynamicForward=[::1]:1082'],
    ['ssh://ann@Host.X:2200', '-l', 'bob', '-o', 'ExitOnForwardFailure=yes', '-i', `${keyDir}/id_one`, '-i', `${keyDir}/id two`, '-L', '1:h:2'],
    ['-o', 'HostName=real.example.com', '-o', 'ProxyJump=none', '-L', '127.0.0.2:7000:[2001:db8::1]:7000', 'alias'],
    ['-4', '-C', '-q', '-v', '-L', 'localhost:3000:localhost:3000', '10.0.0.5'],
    ['h1', '-L', '5000:x:5000', '-N', '-o', 'GatewayPorts=yes', '-D', '6000'],
    ['-L', '1234:x:1', '--', 'dest', 'remote', 'cmd'],
    ['-o', 'HostName=%h.internal', '-o', 'RemoteForward=8443 localhost:443', '-J', 'ssh://jumper@bastion:2222', 'web01'],
  ];

  function sshG(args: string[]): Map<string, string[]> {
    const out = execFileSync('ssh', ['-G', '-F', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const map = new Map<string, string[]>();
    for (const line of out.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp < 0) continue;
      const key = line.slice(0, sp);
      map.set(key, [...(map.get(key) ?? []), line.slice(sp + 1)]);
    }
    return map;
  }

  /** An ssh -G listen part (`N` or `[addr]:N`) as the draft's bind address and port. */
  function listen(text: string, defaultBind: string): [string, number] {
    const m = /^(?:\[(.*)\]:)?(\d+)$/.exec(text)!;
    const bind = m[1] === undefined ? defaultBind : m[1] === '' || m[1] === '*' ? '*' : m[1];
    return [bind, Number(m[2])];
  }

  function oracleForwards(g: Map<string, string[]>): string[] {
    const gw = g.get('gatewayports')?.[0] === 'yes';
    const out: string[] = [];
    for (const l of g.get('localforward') ?? []) {
      const [lst, conn] = l.split(' ') as [string, string];
      const m = /^\[(.*)\]:(\d+)$/.exec(conn)!;
      out.push(`local ${listen(lst, gw ? '*' : 'localhost').join(' ')} ${m[1]} ${m[2]}`);
    }
    for (const l of g.get('dynamicforward') ?? []) out.push(`dynamic ${listen(l, gw ? '*' : 'localhost').join(' ')}`);
    for (const l of g.get('remoteforward') ?? []) {
      const [lst, conn] = l.split(' ') as [string, string];
      const m = /^\[(.*)\]:(\d+)$/.exec(conn)!;
      out.push(m[1] === 'socks' && m[2] === '0' ? `remote ${listen(lst, 'localhost').join(' ')}` : `remote ${listen(lst, 'localhost').join(' ')} ${m[1]} ${m[2]}`);
    }
    return out.sort();
  }

  function draftForwards(d: TunnelDraft): string[] {
    return d.forwards
      .map((f) => [f.kind, f.bindAddress, f.bindPort, ...(f.destHost === undefined ? [] : [f.destHost, f.destPort])].join(' '))
      .sort();
  }

  function oracleJumps(text: string | undefined): unknown[] {
    if (text === undefined) return [];
    return text.split(',').map((hop) => {
      const m = /^(?:ssh:\/\/)?(?:(.*)@)?(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hop)!;
      const j: Record<string, unknown> = { host: m[2]!.replace(/^\[(.*)\]$/, '$1').toLowerCase(), port: m[3] ? Number(m[3]) : 22 };
      if (m[1] !== undefined) j.user = m[1];
      return j;
    });
  }

  it.each(cases.map((c) => [c.join(' '), c]))('%s', (_label, args) => {
    const g = sshG(args);
    const d = importTunnelCommand(buildCommand(['ssh', ...args]));
    expect(d.target.host).toBe(g.get('hostname')![0]);
    expect(d.target.port).toBe(Number(g.get('port')![0]));
    if (d.target.user !== undefined) expect(d.target.user).toBe(g.get('user')![0]);
    expect(draftForwards(d)).toEqual(oracleForwards(g));
    expect(d.jumps).toEqual(oracleJumps(g.get('proxyjump')?.[0]));
    if (args.some((a) => a.includes('ServerAliveInterval'))) {
      expect(d.keepalive.intervalSec).toBe(Number(g.get('serveraliveinterval')![0]));
      expect(d.keepalive.countMax).toBe(Number(g.get('serveralivecountmax')![0]));
    }
    if (d.identityFiles.length > 0) {
      expect(d.identityFiles.map((f) => f.replace(/^~\//, `${homedir()}/`))).toEqual(g.get('identityfile'));
    }
    if (d.options.ExitOnForwardFailure !== undefined) expect(d.options.ExitOnForwardFailure).toBe(g.get('exitonforwardfailure')![0]);
  });
});
