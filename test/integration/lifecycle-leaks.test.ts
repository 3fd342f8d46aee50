import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/app/create-services';
import { terminalFeature } from '../../main/terminal/terminal-feature';
import { tunnelsFeature } from '../../main/tunnels/tunnels-feature';
import { getFreePort, makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';

// One lifecycle: open and close 1,000 SSH terminals and 1,000 tunnel runs (and some local ptys)
// on the real services, then check that nothing is left: no listener on the shared connection,
// no timer, socket or server, and after dispose nothing at all.

let sshd: SshdHandle;
let tmp: TempDir;

beforeAll(async () => {
  // Closing a channel is asynchronous: allow more than OpenSSH's default 10 at once on one connection.
  // Each "shell" is `cat` (the leak is on our side; a login shell per tab would only cost time).
  sshd = await startSshd({ extraConfig: ['MaxSessions 1000', 'ForceCommand cat'] });
  tmp = await makeTempDir('drover-leaks-');
});

afterAll(async () => {
  await sshd?.stop();
  await tmp?.remove();
});

/** Counts of live handle kinds (TCPSocketWrap, TCPServerWrap, Timeout, TTYWrap, ...). */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function grownBeyond(before: Record<string, number>, after: Record<string, number>, slack: number): string[] {
  return Object.entries(after)
    .filter(([kind, n]) => n > (before[kind] ?? 0) + slack)
    .map(([kind, n]) => `${kind}: ${before[kind] ?? 0} → ${n}`);
}

async function settle(ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe('opening and closing many sessions and tunnels leaks nothing', () => {
  it('1,000 SSH terminals, 1,000 tunnel runs and 50 local shells', async () => {
    const configDir = path.join(tmp.path, 'config');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    const before = resources();
    const services: Services = await createServices({ transport: 'web', configDir, env: { ...process.env, DROVER_SECRETS: 'memory', SSH_AUTH_SOCK: '' } });
    try {
      const tunnels = services.feature(tunnelsFeature);
      const terminals = services.feature(terminalFeature);
      const target = { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false };

      // One tunnel keeps the shared connection open throughout.
      await tunnels.save({ id: 'keeper', name: 'keeper', target, forwards: [{ id: 'f1', kind: 'local', bindPort: await getFreePort(), destHost: '127.0.0.1', destPort: sshd.port }] });
      await tunnels.start('keeper');
      await tunnels.waitFor('keeper', ['up'], 15_000);
      await settle();
      const baseline = resources();
      const slot = () => services.sshPool.list().find((s) => s.label === `${sshd.user}@127.0.0.1:${sshd.port}`)!;
      const listenersAtStart = slot().listeners;

      const N = Number(process.env.DROVER_LEAK_ROUNDS ?? 1000);
      let t0 = Date.now();
      for (let i = 0; i < N; i += 8) {
        // Eight at a time, as tabs opened together: sshd starts each session's process.
        const opened = await Promise.all(Array.from({ length: Math.min(8, N - i) }, () => terminals.open({ kind: 'ssh', target, jumps: [] }, 80, 24)));
        for (const s of opened) terminals.close(s.id);
      }
      console.log(`${N} SSH terminals opened and closed in ${Date.now() - t0} ms`);
      t0 = Date.now();
      const port = await getFreePort();
      await tunnels.save({ id: 'churn', name: 'churn', target, forwards: [{ id: 'f1', kind: 'local', bindPort: port, destHost: '127.0.0.1', destPort: sshd.port }] });
      for (let i = 0; i < N; i++) {
        await tunnels.start('churn');
        tunnels.stop('churn');
      }
      console.log(`${N} tunnel runs started and stopped in ${Date.now() - t0} ms`);
      t0 = Date.now();
      for (let i = 0; i < 50; i++) {
        const s = await terminals.open({ kind: 'local' }, 80, 24);
        terminals.close(s.id);
      }
      console.log(`50 local shells opened and closed in ${Date.now() - t0} ms`);
      await settle(3_000); // ptys are reaped, channels close

      expect(terminals.list()).toEqual([]);
      expect(slot().listeners).toBe(listenersAtStart);
      expect(services.sshPool.list()).toHaveLength(1);
      expect(grownBeyond(baseline, resources(), 2)).toEqual([]);
    } finally {
      await services.disposeAsync();
    }
    await settle(2_500); // background clean-up timers (socket destroy after 1 s, SIGKILL after 2 s)
    expect(grownBeyond(before, resources(), 0)).toEqual([]);
  }, 240_000);
});
