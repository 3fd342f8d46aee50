import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelProfileInput, TunnelStatus } from '../../main/contract/tunnels';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { HostKeyPrompts, KnownHostsVerifier } from '../../main/ssh/host-key-verifier';
import { TunnelManager } from '../../main/tunnels/tunnel-manager';
import { getFreePort, makeTempDir, startFaultProxy, startSshd, type FaultProxy, type SshdHandle, type TempDir } from '../harness/index';

// Real OpenSSH sshd servers on loopback, with the harness's fault proxy in front of them.

interface Stack {
  pool: SshConnectionPool;
  manager: TunnelManager;
  prompts: HostKeyPrompts;
  log: string[];
  dispose(): void;
}

let tmp: TempDir;
const stacks: Stack[] = [];
const servers: Array<{ close(): unknown }> = [];

function makeStack(knownHostsFiles: string[], droverKnownHosts = path.join(tmp.path, `drover_known_hosts_${stacks.length}`)): Stack {
  const log: string[] = [];
  const prompts = new HostKeyPrompts(5_000);
  const verifier = new KnownHostsVerifier({ userKnownHostsFiles: knownHostsFiles, droverKnownHostsFile: droverKnownHosts, approver: prompts });
  const pool = new SshConnectionPool({
    hostKeys: verifier,
    credentials: { password: async () => undefined, keyPassphrase: async () => undefined },
    env: {},
    log: (l) => log.push(l),
  });
  const manager = new TunnelManager({ pool, statusIntervalMs: 50, log: (l) => log.push(l) });
  const stack = {
    pool,
    manager,
    prompts,
    log,
    dispose: () => {
      manager.dispose();
      pool.dispose();
      prompts.dispose();
    },
  };
  stacks.push(stack);
  return stack;
}

/** Echo server; with `afterEnd`, answers only after the client half-closed (tests half-close). */
async function startEcho(mode: 'echo' | 'afterEnd' = 'echo'): Promise<{ port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sock.on('error', () => undefined);
    if (mode === 'echo') sock.pipe(sock);
    else {
      const hash = createHash('sha256');
      let n = 0;
      sock.on('data', (d: Buffer) => {
        hash.update(d);
        n += d.length;
      });
      sock.on('end', () => sock.end(`${n}:${hash.digest('hex')}`));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return { port: (server.address() as net.AddressInfo).port };
}

function roundTrip(port: number, payload: Buffer, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => {
      clearTimeout(timer);
      sock.end();
      resolve(Buffer.concat(chunks));
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => sock.end(payload));
  });
}

/** Echo round trip that does not half-close: sends, waits for the same bytes back. */
function echoOnce(port: number, text: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`echo timed out (got ${JSON.stringify(got)})`));
    }, timeoutMs);
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.write(text);
  });
}

function profile(id: string, sshd: { port: number; user: string; clientKeyPath: string }, forwards: TunnelProfileInput['forwards'], extra: Partial<TunnelProfileInput> = {}): TunnelProfileInput {
  return {
    id,
    name: id,
    target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false },
    forwards,
    keepalive: { intervalSec: 1, countMax: 2 },
    unknownHostKey: 'refuse',
    ...extra,
  };
}

/** A known_hosts line for a server's key at some port (the server's own, or a proxy's in front of it). */
function knownLine(server: SshdHandle, port = server.port): string {
  return `[127.0.0.1]:${port} ${server.hostPublicKey}`;
}

async function withKnown(name: string, lines: string[]): Promise<string> {
  const file = path.join(tmp.path, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

async function waitState(m: TunnelManager, id: string, states: TunnelStatus['state'][], ms = 15_000): Promise<TunnelStatus> {
  return m.waitFor(id, states, ms);
}

let sshd: SshdHandle;
let echo: { port: number };

beforeAll(async () => {
  tmp = await makeTempDir('drover-tunnels-');
  sshd = await startSshd();
  echo = await startEcho();
});

afterAll(async () => {
  for (const s of stacks) s.dispose();
  for (const s of servers) s.close();
  await sshd?.stop();
  await tmp?.remove();
});

describe('tunnels over a real sshd', () => {
  it('forwards -L, preserves half-close, and counts bytes', async () => {
    const { manager } = makeStack([sshd.knownHostsPath]);
    const after = await startEcho('afterEnd');
    const lport = await getFreePort();
    await manager.save(profile('half', sshd, [{ id: 'f1', kind: 'local', bindAddress: '127.0.0.1', bindPort: lport, destHost: '127.0.0.1', destPort: after.port }]));
    await manager.start('half');
    await waitState(manager, 'half', ['up']);
    const payload = randomBytes(300_000);
    const reply = (await roundTrip(lport, payload)).toString();
    expect(reply).toBe(`${payload.length}:${createHash('sha256').update(payload).digest('hex')}`);
    await new Promise((r) => setTimeout(r, 100));
    const fw = manager.status('half').forwards[0]!;
    expect(fw.bytesOut).toBe(payload.length);
    expect(fw.bytesIn).toBe(reply.length);
    expect(fw.totalConnections).toBe(1);
    manager.stop('half');
  });

  it('shares a connection only between identical logins: a profile with a wrong key fails with its own cause', async () => {
    const { manager, pool } = makeStack([sshd.knownHostsPath]);
    const [good, bad] = [await getFreePort(), await getFreePort()];
    await manager.save(profile('login-good', sshd, [{ id: 'f1', kind: 'local', bindPort: good, destHost: '127.0.0.1', destPort: echo.port }]));
    await manager.save(
      profile('login-bad', sshd, [{ id: 'f1', kind: 'local', bindPort: bad, destHost: '127.0.0.1', destPort: echo.port }], {
        target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: ['/nonexistent/key'], useAgent: false },
      }),
    );
    await Promise.all([manager.start('login-good'), manager.start('login-bad')]);
    await waitState(manager, 'login-good', ['up']);
    const failed = await waitState(manager, 'login-bad', ['failed']);
    expect(failed.error?.code).toBe('AUTH_FAILED');
    expect(failed.error?.message).toMatch(/nonexistent/);
    expect(await echoOnce(good, 'through the good login')).toBe('through the good login');
    await expect(echoOnce(bad, 'x', 1_000)).rejects.toThrow();
    // The good login's connection is its own; the failed one left nothing behind.
    expect(pool.list().filter((s) => s.label === `${sshd.user}@127.0.0.1:${sshd.port}` && s.state.kind === 'ready')).toHaveLength(1);
    manager.stop('login-good');
    manager.stop('login-bad');
  });

  it('holds a client for the hold time while the link is down, then refuses it so it fails fast', async () => {
    const own = await startSshd();
    try {
      const { manager } = makeStack([own.knownHostsPath]);
      const lport = await getFreePort();
      await manager.save(profile('hold', own, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }], { holdClientsSec: 1 }));
      await manager.start('hold');
      await waitState(manager, 'hold', ['up']);
      await own.down();
      await waitState(manager, 'hold', ['backoff', 'connecting', 'waiting']);
      const started = Date.now();
      const outcome = await new Promise<string>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port: lport });
        sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        sock.on('close', () => resolve('closed'));
      });
      const waited = Date.now() - started;
      expect(['ECONNRESET', 'closed']).toContain(outcome);
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(manager.status('hold').forwards[0]!.lastError?.message).toMatch(/no SSH connection within 1 s/);
      manager.stop('hold');
    } finally {
      await own.stop();
    }
  });

  it('renames a running tunnel without dropping its connections; other changes restart it', async () => {
    const { manager, pool } = makeStack([sshd.knownHostsPath]);
    const lport = await getFreePort();
    const p = profile('rename', sshd, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }]);
    await manager.save(p);
    await manager.start('rename');
    await waitState(manager, 'rename', ['up']);
    const held = net.connect({ host: '127.0.0.1', port: lport });
    await new Promise<void>((r) => held.once('connect', () => r()));
    await new Promise((r) => setTimeout(r, 200));
    const statuses: string[] = [];
    manager.onDidChangeStatus((s) => statuses.push(s.state));
    await manager.save({ ...p, name: 'renamed', autostart: true });
    expect(manager.status('rename')).toMatchObject({ state: 'up' });
    expect(manager.status('rename').forwards[0]!.activeConnections).toBe(1);
    expect(statuses).toContain('up');
    expect(held.destroyed).toBe(false);
    await manager.save({ ...p, keepalive: { intervalSec: 2, countMax: 2 } });
    await waitState(manager, 'rename', ['up']);
    await new Promise((r) => setTimeout(r, 200));
    expect(held.destroyed).toBe(true);
    expect(pool.list()).toHaveLength(1);
    manager.stop('rename');
  });

  it('reports a taken port at once as port in use, with no SSH attempt', async () => {
    const { manager, pool } = makeStack([sshd.knownHostsPath]);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    servers.push(blocker);
    const taken = (blocker.address() as net.AddressInfo).port;
    const proxy = await startFaultProxy({ targetPort: sshd.port });
    const started = Date.now();
    await manager.save(profile('taken', { ...sshd, port: proxy.port }, [{ id: 'f1', kind: 'local', bindPort: taken, destHost: '127.0.0.1', destPort: echo.port }]));
    const st = await manager.start('taken');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(st.state).toBe('failed');
    expect(st.error?.code).toBe('PORT_IN_USE');
    expect(st.error?.message).toMatch(/port in use/);
    expect(st.forwards[0]!.state).toBe('port-in-use');
    expect(proxy.stats().totalAccepted).toBe(0);
    expect(pool.list()).toEqual([]);
    await proxy.close();
  });

  it('detects a black-holed link within keepalive × (count + 1), keeps listeners bound, and recovers', async () => {
    const proxy = await startFaultProxy({ targetPort: sshd.port });
    const { manager } = makeStack([await withKnown('bh_known', [knownLine(sshd, proxy.port)])]);
    const lport = await getFreePort();
    await manager.save(profile('bh', { ...sshd, port: proxy.port }, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }]));
    await manager.start('bh');
    await waitState(manager, 'bh', ['up']);
    expect(await echoOnce(lport, 'before')).toBe('before');

    await proxy.setMode('blackhole');
    const t0 = Date.now();
    await waitState(manager, 'bh', ['backoff', 'connecting'], 10_000);
    const detectMs = Date.now() - t0;
    expect(detectMs).toBeLessThanOrEqual(1000 * (2 + 1) + 1500);

    // The listener stays bound while the link is down.
    const probe = net.connect({ host: '127.0.0.1', port: lport });
    await new Promise<void>((resolve, reject) => {
      probe.once('connect', () => resolve());
      probe.once('error', reject);
    });
    probe.destroy();

    await proxy.setMode('pass');
    const t1 = Date.now();
    await waitState(manager, 'bh', ['up'], 20_000);
    expect(await echoOnce(lport, 'after')).toBe('after');
    expect(Date.now() - t1).toBeLessThan(12_000); // generous: the handshake in flight may time out first
    manager.stop('bh');
    await proxy.close();
  });

  it('reconnects with backoff when sshd goes away, and carries data within 2 s of its return', async () => {
    const target = await startSshd();
    const { manager, log } = makeStack([target.knownHostsPath]);
    const lport = await getFreePort();
    await manager.save(profile('restart', target, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }]));
    await manager.start('restart');
    await waitState(manager, 'restart', ['up']);
    await target.down();
    const down = await waitState(manager, 'restart', ['backoff'], 10_000);
    expect(down.error?.code).toBe('UNAVAILABLE');
    expect(down.retryAtMs).toBeGreaterThan(0);
    // Let a few retries fail so the backoff grows.
    await new Promise((r) => setTimeout(r, 3000));
    const retries = log.filter((l) => l.includes('restart') || l.includes(`:${target.port}`)).filter((l) => /connecting \(attempt/.test(l)).length;
    expect(retries).toBeGreaterThanOrEqual(2);
    await target.up();
    const t0 = Date.now();
    await waitState(manager, 'restart', ['up'], 5_000);
    expect(await echoOnce(lport, 'back')).toBe('back');
    expect(Date.now() - t0).toBeLessThan(2_000);
    manager.stop('restart');
    await target.stop();
  });

  it('"retry now" reconnects at once, skipping the backoff', async () => {
    const target = await startSshd();
    const { manager } = makeStack([target.knownHostsPath]);
    const lport = await getFreePort();
    await manager.save(profile('retry', target, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }]));
    await manager.start('retry');
    await waitState(manager, 'retry', ['up']);
    await target.down();
    await waitState(manager, 'retry', ['backoff'], 10_000);
    await target.up();
    const t0 = Date.now();
    await manager.retryNow('retry');
    await waitState(manager, 'retry', ['up'], 3_000);
    expect(Date.now() - t0).toBeLessThan(1_500);
    manager.stop('retry');
    await target.stop();
  });

  it('stops with zero retries when the login is rejected', async () => {
    const proxy = await startFaultProxy({ targetPort: sshd.port });
    const { manager } = makeStack([await withKnown('badlogin_known', [knownLine(sshd, proxy.port)])]);
    const wrongKey = path.join(sshd.dir, 'host_ed25519'); // a valid key that is not authorized
    await manager.save(
      profile('badlogin', { ...sshd, port: proxy.port, clientKeyPath: wrongKey }, [{ id: 'f1', kind: 'local', bindPort: 0, destHost: '127.0.0.1', destPort: echo.port }]),
    );
    await manager.start('badlogin');
    const st = await waitState(manager, 'badlogin', ['failed'], 10_000);
    expect(st.error?.code).toBe('AUTH_FAILED');
    expect(st.error?.hint).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1500));
    expect(proxy.stats().totalAccepted).toBe(1);
    expect(manager.status('badlogin').state).toBe('failed');
    await proxy.close();
  });

  it('refuses a changed host key before sending any credential, showing old and new fingerprints', async () => {
    const other = await startSshd(); // a different host key
    // Record the other server's key for our sshd's address: our sshd now looks "changed".
    const { manager } = makeStack([await withKnown('lying_known', [knownLine(other, sshd.port)])]);
    await manager.save(profile('changed', sshd, [{ id: 'f1', kind: 'local', bindPort: 0, destHost: '127.0.0.1', destPort: echo.port }]));
    const logBefore = sshd.logs().length;
    await manager.start('changed');
    const st = await waitState(manager, 'changed', ['failed'], 10_000);
    expect(st.error?.code).toBe('HOST_KEY_CHANGED');
    expect(st.error?.message).toContain(sshd.hostKeyFingerprintSha256);
    expect(st.error?.message).toContain(other.hostKeyFingerprintSha256);
    await new Promise((r) => setTimeout(r, 300));
    const newLog = sshd.logs().slice(logBefore);
    expect(newLog).not.toMatch(/Accepted|Failed publickey|userauth/i);
    await other.stop();
  });

  it('refuses a revoked host key', async () => {
    const revokedFile = path.join(tmp.path, 'revoked_known_hosts');
    await writeFile(revokedFile, `@revoked ${sshd.knownHostsLine}\n${sshd.knownHostsLine}\n`);
    const { manager } = makeStack([revokedFile]);
    await manager.save(profile('revoked', sshd, [{ id: 'f1', kind: 'local', bindPort: 0, destHost: '127.0.0.1', destPort: echo.port }]));
    await manager.start('revoked');
    const st = await waitState(manager, 'revoked', ['failed'], 10_000);
    expect(st.error?.code).toBe('HOST_KEY_REVOKED');
  });

  it('asks a person about an unknown host key, records the approval, and does not ask again', async () => {
    const droverFile = path.join(tmp.path, 'approved_known_hosts');
    const stack = makeStack([], droverFile);
    const seen: string[] = [];
    stack.prompts.onDidChange((e) => {
      if (e.kind === 'prompt') {
        seen.push(e.prompt.fingerprintSha256);
        stack.prompts.answer(e.prompt.id, true);
      }
    });
    const lport = await getFreePort();
    await stack.manager.save(profile('ask', sshd, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }], { unknownHostKey: 'ask' }));
    await stack.manager.start('ask');
    await waitState(stack.manager, 'ask', ['up']);
    expect(seen).toEqual([sshd.hostKeyFingerprintSha256]);
    const recorded = await readFile(droverFile, 'utf8');
    expect(recorded).toMatch(/^\|1\|/); // hashed
    stack.manager.stop('ask');
    await stack.manager.start('ask');
    await waitState(stack.manager, 'ask', ['up']);
    expect(seen.length).toBe(1);
    stack.manager.stop('ask');
  });

  it('resets only the client whose destination refuses; the tunnel stays up', async () => {
    const { manager } = makeStack([sshd.knownHostsPath]);
    const closedPort = await getFreePort();
    const lBad = await getFreePort();
    const lGood = await getFreePort();
    await manager.save(
      profile('refuse', sshd, [
        { id: 'bad', kind: 'local', bindPort: lBad, destHost: '127.0.0.1', destPort: closedPort },
        { id: 'good', kind: 'local', bindPort: lGood, destHost: '127.0.0.1', destPort: echo.port },
      ]),
    );
    await manager.start('refuse');
    await waitState(manager, 'refuse', ['up']);
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: lBad });
      s.on('error', (e) => resolve(e));
      s.on('close', () => resolve(undefined));
      s.write('hello');
    });
    expect(err?.code).toBe('ECONNRESET');
    expect(await echoOnce(lGood, 'still up')).toBe('still up');
    const st = manager.status('refuse');
    expect(st.state).toBe('up');
    expect(st.forwards.find((f) => f.id === 'bad')!.failedConnections).toBe(1);
    manager.stop('refuse');
  });

  it('serves SOCKS5 (-D) with remote DNS and remote forwards (-R)', async () => {
    const { manager } = makeStack([sshd.knownHostsPath]);
    const dport = await getFreePort();
    const rport = await getFreePort();
    await manager.save(
      profile('dyn', sshd, [
        { id: 'socks', kind: 'dynamic', bindPort: dport },
        { id: 'rev', kind: 'remote', bindAddress: '127.0.0.1', bindPort: rport, destHost: '127.0.0.1', destPort: echo.port },
      ]),
    );
    await manager.start('dyn');
    await waitState(manager, 'dyn', ['up']);
    // SOCKS5 CONNECT to "localhost" (a domain name: resolved by the server) at the echo port.
    const got = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: dport });
      let stage = 0;
      let buf = Buffer.alloc(0);
      s.on('error', reject);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (stage === 0 && buf.length >= 2) {
          expect([...buf.subarray(0, 2)]).toEqual([5, 0]);
          buf = buf.subarray(2);
          stage = 1;
          const host = Buffer.from('localhost');
          const req = Buffer.concat([Buffer.from([5, 1, 0, 3, host.length]), host, Buffer.from([echo.port >> 8, echo.port & 255])]);
          s.write(req);
        }
        if (stage === 1 && buf.length >= 10) {
          expect(buf[1]).toBe(0);
          buf = buf.subarray(10);
          stage = 2;
          s.write('via socks');
        }
        if (stage === 2 && buf.toString() === 'via socks') {
          s.destroy();
          resolve(buf.toString());
        }
      });
      s.write(Buffer.from([5, 1, 0]));
    });
    expect(got).toBe('via socks');
    // -R: sshd listens on rport and forwards back to our echo server.
    expect(await echoOnce(rport, 'reverse')).toBe('reverse');
    manager.stop('dyn');
  });

  it('carries 1 GiB through a forward with the same SHA-256', async () => {
    const { manager } = makeStack([sshd.knownHostsPath]);
    const sink = await startEcho('afterEnd');
    const lport = await getFreePort();
    await manager.save(profile('big', sshd, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: sink.port }]));
    await manager.start('big');
    await waitState(manager, 'big', ['up']);
    const total = 1024 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    const hash = createHash('sha256');
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: lport, allowHalfOpen: true });
      let out = '';
      let sent = 0;
      s.on('error', reject);
      s.on('data', (d: Buffer) => (out += d.toString()));
      s.on('end', () => resolve(out));
      const pump = () => {
        while (sent < total) {
          hash.update(block);
          sent += block.length;
          if (!s.write(block)) {
            s.once('drain', pump);
            return;
          }
        }
        s.end();
      };
      s.on('connect', pump);
    });
    expect(reply).toBe(`${total}:${hash.digest('hex')}`);
    manager.stop('big');
  }, 180_000);
});

describe('jump hosts', () => {
  let jump: SshdHandle;
  let target: SshdHandle;
  let jumpProxy: FaultProxy;
  let known: string;

  beforeAll(async () => {
    jump = await startSshd();
    target = await startSshd();
    jumpProxy = await startFaultProxy({ targetPort: jump.port });
    known = await withKnown('jump_known', [knownLine(jump, jumpProxy.port), knownLine(target)]);
  });
  afterAll(async () => {
    await jumpProxy?.close();
    await jump?.stop();
    await target?.stop();
  });

  it('reaches a target through a jump host, marks it down with the jump host, and brings it back', async () => {
    const { manager, pool } = makeStack([known]);
    const lport = await getFreePort();
    await manager.save(
      profile('via', target, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }], {
        jumps: [{ host: '127.0.0.1', port: jumpProxy.port, user: jump.user, identityFiles: [jump.clientKeyPath], useAgent: false }],
      }),
    );
    await manager.start('via');
    await waitState(manager, 'via', ['up']);
    expect(await echoOnce(lport, 'through jump')).toBe('through jump');
    expect(pool.list().map((s) => s.key)).toHaveLength(2);

    await jumpProxy.setMode('reset');
    const down = await waitState(manager, 'via', ['waiting', 'backoff'], 10_000);
    expect(['waiting', 'backoff']).toContain(down.state);
    await jumpProxy.setMode('pass');
    await waitState(manager, 'via', ['up'], 15_000);
    expect(await echoOnce(lport, 'back again')).toBe('back again');
    manager.stop('via');
  });

  it('reuses the healthy jump connection when only the target goes down', async () => {
    const { manager, pool } = makeStack([known]);
    const lport = await getFreePort();
    await manager.save(
      profile('via2', target, [{ id: 'f1', kind: 'local', bindPort: lport, destHost: '127.0.0.1', destPort: echo.port }], {
        jumps: [{ host: '127.0.0.1', port: jumpProxy.port, user: jump.user, identityFiles: [jump.clientKeyPath], useAgent: false }],
      }),
    );
    const acceptedBefore = jumpProxy.stats().totalAccepted;
    await manager.start('via2');
    await waitState(manager, 'via2', ['up']);
    await target.down();
    await waitState(manager, 'via2', ['backoff'], 10_000);
    const jumpSlot = pool.list().find((s) => s.label.endsWith(`:${jumpProxy.port}`) && !s.key.includes('>'));
    expect(jumpSlot?.state.kind).toBe('ready');
    await target.up();
    await waitState(manager, 'via2', ['up'], 10_000);
    expect(await echoOnce(lport, 'target back')).toBe('target back');
    expect(jumpProxy.stats().totalAccepted - acceptedBefore).toBe(1);
    manager.stop('via2');
  });
});
