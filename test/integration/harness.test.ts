import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { Client, type ConnectConfig } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBinary,
  getFreePorts,
  isPidAlive,
  makeTempDir,
  passwordAuthSupport,
  pendingCleanupCount,
  ProcessStartError,
  RingBuffer,
  startEtcd,
  startFaultProxy,
  startProcess,
  startSshd,
  stopAll,
  tcpProbe,
  type EtcdHandle,
  type FaultProxy,
  type SshdHandle,
} from '../harness';

const HOST = '127.0.0.1';

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000, env: env ?? process.env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Every PID a test saw; all must be gone at the end of the file. */
const seenPids = new Set<number>();

afterAll(async () => {
  await stopAll();
  for (const pid of seenPids) expect(isPidAlive(pid), `pid ${pid} still alive`).toBe(false);
  expect(pendingCleanupCount()).toBe(0);
});

describe('ports, temp dirs, processes, binaries', () => {
  it('gives distinct free loopback ports that can be bound', async () => {
    const ports = await getFreePorts(3);
    expect(new Set(ports).size).toBe(3);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], HOST, resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('removes temp dirs', async () => {
    const dir = await makeTempDir();
    fs.writeFileSync(`${dir.path}/x`, 'x');
    await dir.remove();
    expect(fs.existsSync(dir.path)).toBe(false);
  });

  it('keeps only the newest bytes in the ring buffer', () => {
    const ring = new RingBuffer(10);
    ring.push(Buffer.from('0123456789'));
    ring.push(Buffer.from('abc'));
    expect(ring.toString()).toMatch(/3 earlier bytes dropped[^]*3456789abc$/);
  });

  it('puts the output in the error when a process dies before it is ready', async () => {
    const [port] = await getFreePorts(1);
    const error = await startProcess({
      name: 'dies',
      command: '/bin/sh',
      args: ['-c', 'echo marker-out; echo marker-err >&2; exit 3'],
      ready: tcpProbe(HOST, port!),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(String(error)).toMatch(/code 3/);
    expect((error as ProcessStartError).logs).toContain('marker-out');
    expect((error as ProcessStartError).message).toContain('marker-err');
  });

  it('kills a process that is not ready in time, with its output in the error', async () => {
    const [port] = await getFreePorts(1);
    const pidFile = `${(await makeTempDir()).path}/pid`;
    const error = await startProcess({
      name: 'slow',
      command: '/bin/sh',
      args: ['-c', `echo $$ > ${pidFile}; echo waiting-forever; exec sleep 60`],
      ready: tcpProbe(HOST, port!),
      readyTimeoutMs: 400,
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/not ready after 400 ms[^]*waiting-forever/);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    seenPids.add(pid);
    expect(isPidAlive(pid)).toBe(false);
  });

  it('stop() kills the process and its descendants', async () => {
    const proc = await startProcess({
      name: 'tree',
      command: '/bin/sh',
      args: ['-c', 'sleep 60 & sleep 60 & echo started; wait'],
      ready: async () => true,
    });
    await waitFor(() => proc.logs().includes('started'));
    const { listDescendants } = await import('../harness');
    const children = listDescendants(proc.pid);
    expect(children.length).toBe(2);
    await proc.stop();
    for (const pid of [proc.pid, ...children]) expect(isPidAlive(pid)).toBe(false);
  });

  it('finds installed binaries and names the apt-get command for missing ones', async () => {
    expect(await ensureBinary('ssh-keygen', 'openssh-client')).toMatch(/\/ssh-keygen$/);
    const error = await ensureBinary('/nonexistent/drover-nothing', 'drover-nothing-pkg', { autoInstall: false }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toContain('apt-get install -y --no-install-recommends drover-nothing-pkg');
  });
});

describe('exit hooks', () => {
  // A child Node process starts servers and then ends without cleaning up; the harness's exit and
  // signal hooks must kill them (including descendants) and remove the temp dirs.
  const script = `
    import { startSshd, startProcess, listDescendants } from ${JSON.stringify(fileURLToPath(new URL('../harness/index.ts', import.meta.url)))};
    const sshd = await startSshd();
    const sleeper = await startProcess({ name: 'sleeper', command: '/bin/sh', args: ['-c', 'sleep 60 & echo up; wait'], ready: async () => true });
    while (listDescendants(sleeper.pid).length === 0) await new Promise((r) => setTimeout(r, 10));
    console.log(JSON.stringify({ pids: [sshd.pid, sleeper.pid, ...listDescendants(sleeper.pid)], dir: sshd.dir }));
    if (process.argv[2] === 'signal') process.kill(process.pid, 'SIGTERM'); else process.exit(0);
  `;

  it.each(['exit', 'signal'])('leaves nothing behind on process %s', async (how) => {
    const dir = await makeTempDir();
    fs.writeFileSync(`${dir.path}/leak.mts`, script);
    const result = await run(process.execPath, ['--import', 'tsx', `${dir.path}/leak.mts`, how]);
    const { pids, dir: sshdDir } = JSON.parse(result.stdout.trim().split('\n').pop()!) as { pids: number[]; dir: string };
    expect(pids.length).toBe(3);
    pids.forEach((pid) => seenPids.add(pid));
    await waitFor(() => pids.every((pid) => !isPidAlive(pid)), 2_000);
    expect(fs.existsSync(sshdDir)).toBe(false);
    await dir.remove();
  });
});

describe('sshd', () => {
  let sshd: SshdHandle;
  let password: string | undefined = `pw-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    const support = await passwordAuthSupport();
    if (!support.ok) {
      console.warn(`harness.test: password auth NOT tested (${support.reason})`);
      password = undefined;
    }
    sshd = await startSshd({ clientKeyPassphrase: 'correct horse', password, clientAliveIntervalSec: 5 });
    seenPids.add(sshd.pid);
  });

  const hostKeyBlob = (): Buffer => Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64');

  function ssh2Exec(config: Partial<ConnectConfig>, command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.on('error', reject);
      client.on('ready', () => {
        client.exec(command, (error, stream) => {
          if (error) return reject(error);
          let out = '';
          stream.on('data', (data: Buffer) => (out += data.toString()));
          stream.on('close', () => {
            client.end();
            resolve(out);
          });
        });
      });
      client.connect({
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        hostVerifier: (key: Buffer) => key.equals(hostKeyBlob()),
        readyTimeout: 10_000,
        ...config,
      });
    });
  }

  it('describes itself consistently', () => {
    expect(sshd.host).toBe(HOST);
    expect(sshd.knownHostsLine).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(' ').slice(0, 2).join(' ')}`);
    const fingerprint = `SHA256:${createHash('sha256').update(hostKeyBlob()).digest('base64').replace(/=+$/, '')}`;
    expect(sshd.hostKeyFingerprintSha256).toBe(fingerprint);
    expect(fs.readFileSync(sshd.configPath, 'utf8')).toMatch(/ClientAliveInterval 5/);
    expect(isPidAlive(sshd.pid)).toBe(true);
  });

  it('accepts the client key from the OpenSSH client with strict host key checking', async () => {
    const result = await run('ssh', [
      '-F', '/dev/null',
      '-i', sshd.clientKeyPath,
      '-o', 'IdentitiesOnly=yes',
      '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`,
      '-o', 'StrictHostKeyChecking=yes',
      '-p', String(sshd.port),
      `${sshd.user}@127.0.0.1`,
      'echo', 'hi',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hi\n');
    expect(sshd.logs()).toMatch(/Accepted publickey for/);
  });

  it('is refused by the OpenSSH client when the known host key differs', async () => {
    const other = await makeTempDir();
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', `${other.path}/k`]);
    const wrongKey = fs.readFileSync(`${other.path}/k.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(`${other.path}/known_hosts`, `[127.0.0.1]:${sshd.port} ${wrongKey}\n`);
    const result = await run('ssh', [
      '-F', '/dev/null', '-i', sshd.clientKeyPath, '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${other.path}/known_hosts`, '-o', 'StrictHostKeyChecking=yes',
      '-p', String(sshd.port), `${sshd.user}@127.0.0.1`, 'true',
    ]);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED/);
    await other.remove();
  });

  it('accepts ssh2 with the plain key, the encrypted key and the password, verifying the host key', async () => {
    expect(await ssh2Exec({ privateKey: fs.readFileSync(sshd.clientKeyPath) }, 'echo hi')).toBe('hi\n');
    const encrypted = sshd.encryptedClientKey!;
    expect(fs.readFileSync(encrypted.path, 'utf8')).toContain('OPENSSH PRIVATE KEY');
    expect(await ssh2Exec({ privateKey: fs.readFileSync(encrypted.path), passphrase: encrypted.passphrase }, 'echo enc')).toBe('enc\n');
    await expect(ssh2Exec({ privateKey: fs.readFileSync(sshd.clientKeyPath), hostVerifier: () => false }, 'true')).rejects.toThrow(
      /verification failed/i,
    );
    if (password === undefined) return;
    expect(await ssh2Exec({ password }, 'echo pw')).toBe('pw\n');
    await expect(ssh2Exec({ password: 'wrong' }, 'true')).rejects.toThrow(/authentication methods failed/);
    // The host's /etc/shadow is untouched: the hash lives only in the copy mounted in sshd's namespace.
    const hash = fs.readFileSync(`${sshd.dir}/shadow`, 'utf8').split('\n').find((l) => l.startsWith(`${sshd.user}:`))!.split(':')[1]!;
    expect(hash).toMatch(/^\$6\$/);
    expect(fs.readFileSync('/etc/shadow', 'utf8')).not.toContain(hash);
  });

  it('restarts on the same port with the same host key, cutting existing connections', async () => {
    const oldPid = sshd.pid;
    const port = sshd.port;
    const client = new Client();
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      client.on('ready', resolve).on('error', reject);
      client.connect({ host: HOST, port, username: sshd.user, privateKey: fs.readFileSync(sshd.clientKeyPath), hostVerifier: (k: Buffer) => k.equals(hostKeyBlob()) });
    });
    client.on('error', () => {});
    await sshd.restart();
    seenPids.add(sshd.pid);
    await closed;
    expect(sshd.port).toBe(port);
    expect(sshd.pid).not.toBe(oldPid);
    expect(isPidAlive(oldPid)).toBe(false);
    expect(await ssh2Exec({ privateKey: fs.readFileSync(sshd.clientKeyPath) }, 'echo again')).toBe('again\n');
  });

  it('stop() ends sshd and removes its dir', async () => {
    const { pid, dir } = sshd;
    await sshd.stop();
    expect(isPidAlive(pid)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('etcd', () => {
  let etcd: EtcdHandle;

  beforeAll(async () => {
    etcd = await startEtcd();
    seenPids.add(etcd.pid);
  });

  it('serves put/get through etcd3 and etcdctl', async () => {
    expect(etcd.endpoint).toBe(`http://127.0.0.1:${etcd.clientPort}`);
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      await client.put('drover/harness').value('ok');
      expect(await client.get('drover/harness').string()).toBe('ok');
    } finally {
      client.close();
    }
    const etcdctl = await ensureBinary('etcdctl', 'etcd-client');
    const result = await run(etcdctl, ['--endpoints', etcd.endpoint, 'get', 'drover/harness', '--print-value-only'], {
      ...process.env,
      ETCDCTL_API: '3',
    });
    expect(result.stdout.trim()).toBe('ok');
  });

  it('stop() ends etcd and removes its data', async () => {
    const { pid, dataDir } = etcd;
    expect(fs.existsSync(dataDir)).toBe(true);
    await etcd.stop();
    expect(isPidAlive(pid)).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});

describe('fault proxy', () => {
  let echo: net.Server;
  let proxy: FaultProxy;

  beforeAll(async () => {
    // Echoes everything; on the client's half-close it sends "BYE" and closes its side.
    echo = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      socket.on('data', (data) => socket.write(data));
      socket.on('end', () => socket.end('BYE'));
    });
    await new Promise<void>((resolve) => echo.listen(0, HOST, resolve));
    proxy = await startFaultProxy({ targetPort: (echo.address() as net.AddressInfo).port });
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  interface Observed {
    socket: net.Socket;
    data: Buffer[];
    text(): string;
    ended: boolean;
    closed: boolean;
    error: NodeJS.ErrnoException | null;
    connected: Promise<void>;
  }

  function open(): Observed {
    const socket = net.connect({ host: HOST, port: proxy.port, allowHalfOpen: true });
    const observed: Observed = {
      socket,
      data: [],
      text: () => Buffer.concat(observed.data).toString(),
      ended: false,
      closed: false,
      error: null,
      connected: new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
    };
    observed.connected.catch(() => {});
    socket.on('data', (chunk: Buffer) => observed.data.push(chunk));
    socket.on('end', () => (observed.ended = true));
    socket.on('close', () => (observed.closed = true));
    socket.on('error', (error) => (observed.error = error));
    return observed;
  }

  it('passes data both ways and preserves half-close', async () => {
    const c = open();
    await c.connected;
    c.socket.write('hello ');
    await waitFor(() => c.text() === 'hello ');
    c.socket.end('world');
    await waitFor(() => c.ended);
    expect(c.text()).toBe('hello worldBYE');
    await waitFor(() => c.closed);
    const stats = proxy.stats();
    expect(stats.bytesToTarget).toBe(11);
    expect(stats.bytesToClient).toBe(14);
    await waitFor(() => proxy.stats().activeConnections === 0);
  });

  it('black-holes existing and new connections (no data, no FIN, no RST) and recovers', async () => {
    const before = open();
    await before.connected;
    await proxy.setMode('blackhole');
    const during = open();
    await during.connected;
    before.socket.end('held-1');
    during.socket.end('held-2');
    await sleep(1_000);
    for (const c of [before, during]) {
      expect(c.data.length).toBe(0);
      expect(c.ended || c.closed || c.error !== null).toBe(false);
    }
    expect(proxy.stats().activeConnections).toBe(2);
    await proxy.setMode('pass');
    await waitFor(() => before.closed && during.closed);
    expect(before.text()).toBe('held-1BYE');
    expect(during.text()).toBe('held-2BYE');
  });

  it('resets existing and new connections', async () => {
    const existing = open();
    await existing.connected;
    await proxy.setMode('reset');
    await waitFor(() => existing.closed);
    expect(existing.error?.code).toBe('ECONNRESET');
    const fresh = open();
    await waitFor(() => fresh.closed);
    expect(fresh.error?.code).toBe('ECONNRESET');
    await proxy.setMode('pass');
  });

  it('refuses connections and reopens on the same port', async () => {
    const port = proxy.port;
    await proxy.setMode('refuse');
    const refused = open();
    await expect(refused.connected).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.setMode('pass');
    expect(proxy.port).toBe(port);
    const ok = open();
    await ok.connected;
    ok.socket.end('x');
    await waitFor(() => ok.closed);
    expect(ok.text()).toBe('xBYE');
  });

  it('limits throughput to the set rate in both directions', async () => {
    const rate = 1024 * 1024;
    const size = 1024 * 1024;
    await proxy.setMode('rate-limit', { bytesPerSecond: rate });
    const { bytesToTarget, bytesToClient } = proxy.stats();
    const c = open();
    await c.connected;
    const started = performance.now();
    c.socket.end(Buffer.alloc(size, 7));
    await waitFor(() => c.ended, 10_000);
    const seconds = (performance.now() - started) / 1000;
    expect(Buffer.concat(c.data).length).toBe(size + 3);
    const measured = size / seconds;
    expect(measured).toBeGreaterThan(rate * 0.7);
    expect(measured).toBeLessThan(rate * 1.3);
    expect(proxy.stats().bytesToTarget - bytesToTarget).toBe(size);
    expect(proxy.stats().bytesToClient - bytesToClient).toBe(size + 3);
    await proxy.setMode('pass');
  });

  it('counts connections and frees everything on close()', async () => {
    const accepted = proxy.stats().totalAccepted;
    const a = open();
    const b = open();
    await Promise.all([a.connected, b.connected]);
    await waitFor(() => proxy.stats().activeConnections === 2);
    expect(proxy.stats().totalAccepted).toBe(accepted + 2);
    await proxy.close();
    // close() destroys its sockets: these half-open clients see the FIN.
    await waitFor(() => a.ended && b.ended);
    expect(proxy.stats().activeConnections).toBe(0);
    const after = open();
    await expect(after.connected).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
