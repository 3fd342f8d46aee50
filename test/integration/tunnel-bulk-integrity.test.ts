import { execFileSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelProfileInput } from '../../main/contract/tunnels';
import { SshConnectionPool } from '../../main/ssh/connection-pool';
import { KnownHostsVerifier } from '../../main/ssh/host-key-verifier';
import { TunnelManager } from '../../main/tunnels/tunnel-manager';
import { profileRoute } from '../../main/tunnels/tunnel-runner';
import { makeTempDir, startFaultProxy, startSshd, type FaultProxy, type SshdHandle, type TempDir } from '../harness/index';

// Bulk data through a Drover -L tunnel with the patched ssh2 (patches/ssh2+1.17.0.patch: pooled
// packet buffers, pooled padding randomness). Many channels at once, both directions at once on
// every channel, SHA-256 compared end to end. Backpressure is real (the sockets fill up), so the
// pool's "leave the slab to a socket that still holds it" path runs too (rate-limited case).
// This test also found a Drover bug, fixed in main/tunnels/counted-pipe.ts: when a channel's
// download ended before its upload had drained, the local socket's close destroyed the channel
// and cut the upload short (with the original ssh2 as well).
//
// DROVER_BULK_MIB: total MiB of the main case (both directions together), default 1024.

const TOTAL_MIB = Number(process.env.DROVER_BULK_MIB ?? 1024);
if (!Number.isInteger(TOTAL_MIB) || TOTAL_MIB < 1) throw new Error(`DROVER_BULK_MIB must be a positive integer (got ${process.env.DROVER_BULK_MIB})`);
const MIB = 1024 * 1024;
const root = path.resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

/** Immutable random bytes; each sender reads slices at pseudo-random offsets, so no stream is periodic. */
const POOL = randomFillSync(Buffer.allocUnsafe(8 * MIB));

/** Deterministic per-stream sequence of (offset, length) into POOL; lengths 1 B .. 256 KiB. */
function* slices(seed: number, bytes: number): Generator<Buffer> {
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  let left = bytes;
  while (left > 0) {
    const len = Math.min(left, 1 + (next() % (256 * 1024)));
    const off = next() % (POOL.length - len);
    left -= len;
    yield POOL.subarray(off, off + len);
  }
}

interface StreamResult {
  sentBytes: number;
  sentSha: string;
  gotBytes: number;
  gotSha: string;
}

/** Writes `bytes` from `seed` to sock with backpressure, then half-closes; hashes what it wrote. */
function sendAll(sock: net.Socket, seed: number, bytes: number, result: StreamResult): Promise<void> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const it = slices(seed, bytes);
    const pump = () => {
      for (;;) {
        const { value, done } = it.next();
        if (done) {
          result.sentSha = hash.digest('hex');
          sock.end(() => resolve());
          return;
        }
        hash.update(value);
        result.sentBytes += value.length;
        if (!sock.write(value)) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    sock.once('error', reject);
    pump();
  });
}

/** Hashes everything sock delivers until its end. */
function receiveAll(sock: net.Socket, result: StreamResult): Promise<void> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    sock.on('data', (d: Buffer) => {
      hash.update(d);
      result.gotBytes += d.length;
    });
    sock.once('end', () => {
      result.gotSha = hash.digest('hex');
      resolve();
    });
    sock.once('error', reject);
  });
}

const emptyResult = (): StreamResult => ({ sentBytes: 0, sentSha: '', gotBytes: 0, gotSha: '' });

/** The far end (reached through sshd's direct-tcpip): sends its own stream while hashing ours. */
async function startPeer(bytesPerChannel: number): Promise<{ port: number; results: Promise<StreamResult>[]; close(): void }> {
  const results: Promise<StreamResult>[] = [];
  let seed = 1_000;
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const r = emptyResult();
    const mySeed = seed++;
    results.push(Promise.all([receiveAll(sock, r), sendAll(sock, mySeed, bytesPerChannel, r)]).then(() => r));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as net.AddressInfo).port, results, close: () => server.close() };
}

function client(port: number, seed: number, bytes: number, timeoutMs: number): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const r = emptyResult();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`channel ${seed}: not done within ${timeoutMs} ms (sent ${r.sentBytes}, got ${r.gotBytes})`));
    }, timeoutMs);
    sock.once('connect', () => {
      Promise.all([receiveAll(sock, r), sendAll(sock, seed, bytes, r)]).then(
        () => {
          clearTimeout(timer);
          sock.destroy();
          resolve(r);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err as Error);
        },
      );
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

let tmp: TempDir;
let sshd: SshdHandle;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  tmp = await makeTempDir('drover-bulk-');
  sshd = await startSshd();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) c();
  await sshd?.stop();
  await tmp?.remove();
});

function makeStack(knownHostsFile = sshd.knownHostsPath) {
  const verifier = new KnownHostsVerifier({ userKnownHostsFiles: [knownHostsFile], droverKnownHostsFile: path.join(tmp.path, `drover_known_hosts_${cleanups.length}`) });
  const pool = new SshConnectionPool({ hostKeys: verifier, credentials: { password: async () => undefined, keyPassphrase: async () => undefined }, env: {} });
  const manager = new TunnelManager({ pool });
  cleanups.push(() => {
    manager.dispose();
    pool.dispose();
  });
  return { pool, manager };
}

interface Case {
  id: string;
  totalMib: number;
  channels: number;
  cipher: string;
  /** Expected class of ssh2's outbound cipher (…Binding = native sshcrypto.node). */
  cipherClass: string;
  viaJump?: boolean;
  /** Reach sshd through this proxy (rate-limited: the socket to sshd fills up, writes go async). */
  proxy?: FaultProxy;
  /** Expect the packet pool to have handed buffers to a transport that still held them. */
  expectBusySlabs?: boolean;
}

async function runCase(c: Case): Promise<void> {
  const bytesPerChannel = Math.max(1, Math.floor((c.totalMib * MIB) / 2 / c.channels));
  const peer = await startPeer(bytesPerChannel);
  cleanups.push(() => peer.close());
  let knownHosts = sshd.knownHostsPath;
  if (c.proxy) {
    knownHosts = path.join(tmp.path, `known_hosts_${c.id}`);
    await writeFile(knownHosts, `[127.0.0.1]:${c.proxy.port} ${sshd.hostPublicKey}\n`);
  }
  const { manager, pool } = makeStack(knownHosts);
  const hop = { host: '127.0.0.1', port: c.proxy?.port ?? sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false };
  const p: TunnelProfileInput = {
    id: c.id,
    name: c.id,
    target: hop,
    ...(c.viaJump ? { jumps: [hop] } : {}),
    forwards: [{ id: 'f1', kind: 'local', bindAddress: '127.0.0.1', bindPort: 0, destHost: '127.0.0.1', destPort: peer.port, allowLan: false, probeIntervalSec: 0 }],
    unknownHostKey: 'refuse',
    ciphers: [c.cipher],
  };
  await manager.save(p);
  await manager.start(c.id);
  const st = await manager.waitFor(c.id, ['up', 'failed', 'degraded'], 15_000);
  expect(st.state, st.error?.message).toBe('up');
  const lport = st.forwards[0]!.boundPort!;

  // The connection really uses the native binding and the patched (pooling) cipher.
  const lease = pool.acquire(profileRoute(manager.get(c.id)!));
  const proto = (lease.connection?.client as unknown as { _protocol?: { _cipher?: { constructor: { name: string }; _pool?: { busySlabs: number } } } })?._protocol;
  lease.dispose();
  const cipher = proto?._cipher;
  expect(cipher?.constructor.name).toBe(c.cipherClass);
  expect(cipher?._pool, 'ssh2 is not patched (no PacketPool on the cipher)').toBeDefined();

  const timeoutMs = 100_000;
  const started = Date.now();
  const clients = await Promise.all(Array.from({ length: c.channels }, (_, i) => client(lport, i + 1, bytesPerChannel, timeoutMs)));
  const peers = await Promise.all(peer.results);
  const seconds = (Date.now() - started) / 1000;
  expect(peers).toHaveLength(c.channels);

  // Every client's upload arrived intact at exactly one peer connection, and that connection's
  // download arrived intact at the client.
  const unmatched = new Set(peers);
  for (const [i, cr] of clients.entries()) {
    expect(cr.sentBytes, `channel ${i + 1} sent`).toBe(bytesPerChannel);
    const pr = peers.find((x) => unmatched.has(x) && x.gotSha === cr.sentSha);
    const counts = peers.map((x) => x.gotBytes).join(', ');
    expect(pr, `channel ${i + 1}: no peer connection received its ${bytesPerChannel} bytes intact (bytes received per peer connection: ${counts})`).toBeDefined();
    unmatched.delete(pr!);
    expect(pr!.gotBytes).toBe(bytesPerChannel);
    expect(cr.gotBytes, `channel ${i + 1} received`).toBe(pr!.sentBytes);
    expect(cr.gotSha, `channel ${i + 1}: download corrupted`).toBe(pr!.sentSha);
  }
  const mb = (2 * bytesPerChannel * c.channels) / 1e6;
  const busySlabs = cipher!._pool!.busySlabs;
  console.log(`${c.id}: ${mb.toFixed(0)} MB over ${c.channels} channels (${c.cipher}${c.viaJump ? ', via a jump host' : ''}${c.proxy ? ', rate-limited' : ''}) in ${seconds.toFixed(1)} s, ${(mb / seconds).toFixed(0)} MB/s; slabs left to a transport still writing them: ${busySlabs}`);
  if (c.expectBusySlabs) expect(busySlabs, 'the socket to sshd never filled up: the test did not exercise asynchronous writes').toBeGreaterThan(0);

  await new Promise((r) => setTimeout(r, 100));
  const fw = manager.status(c.id).forwards[0]!;
  expect(fw.bytesOut).toBe(bytesPerChannel * c.channels);
  expect(fw.bytesIn).toBe(bytesPerChannel * c.channels);
  manager.stop(c.id);
}

describe('bulk data through a Drover tunnel (patched ssh2)', () => {
  it('has the ssh2 patch applied and the native crypto binding loaded', () => {
    // Fails when npm ci ran with --ignore-scripts, or the patch no longer matches ssh2.
    expect(existsSync(path.join(root, 'patches', 'ssh2+1.17.0.patch'))).toBe(true);
    expect(() => execFileSync(process.execPath, [path.join(root, 'scripts', 'apply-patches.mjs'), '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
    const crypto = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean };
    expect(crypto.bindingAvailable).toBe(true);
  });

  it(`${TOTAL_MIB} MiB in both directions on 16 channels at once arrive intact (aes128-gcm)`, async () => {
    await runCase({ id: 'bulk-gcm', totalMib: TOTAL_MIB, channels: 16, cipher: 'aes128-gcm@openssh.com', cipherClass: 'AESGCMCipherBinding' });
  });

  it('the same, smaller, with chacha20-poly1305 and with aes128-ctr + HMAC (the other patched ciphers)', async () => {
    const mib = Math.max(16, Math.round(TOTAL_MIB / 16));
    await runCase({ id: 'bulk-chacha', totalMib: mib, channels: 8, cipher: 'chacha20-poly1305@openssh.com', cipherClass: 'ChaChaPolyCipherBinding' });
    await runCase({ id: 'bulk-ctr', totalMib: mib, channels: 8, cipher: 'aes128-ctr', cipherClass: 'GenericCipherBinding' });
  });

  it('the same with the link to sshd rate-limited (writes that do not complete at once)', async () => {
    const proxy = await startFaultProxy({ targetPort: sshd.port, mode: 'rate-limit', bytesPerSecond: 40e6 });
    cleanups.push(() => void proxy.close());
    await runCase({ id: 'bulk-slow', totalMib: 64, channels: 16, cipher: 'aes128-gcm@openssh.com', cipherClass: 'AESGCMCipherBinding', proxy, expectBusySlabs: true });
  });

  it('the same through a jump host (the inner connection writes into an ssh2 channel)', async () => {
    await runCase({ id: 'bulk-jump', totalMib: Math.max(16, Math.round(TOTAL_MIB / 8)), channels: 8, cipher: 'aes128-gcm@openssh.com', cipherClass: 'AESGCMCipherBinding', viaJump: true });
  });
});
