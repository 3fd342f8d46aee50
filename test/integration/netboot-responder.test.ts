import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../main/contract/errors';
import type { NetbootRecord } from '../../main/contract/netboot';
import { NetbootStatusSchema, NetbootTimelineSnapshotSchema } from '../../main/contract/netboot';
import type { EtcdReader } from '../../main/netboot/etcd-reader';
import { NeighbourTable } from '../../main/netboot/neighbour-table';
import { NetbootConfigFile } from '../../main/netboot/config-file';
import { NetbootServer } from '../../main/netboot/netboot-server';
import { makeTempDir, stopAll, type TempDir } from '../harness/index';
import { AGENT_CONFIG, DC_UUID, MAC1, MAC2, get, raw, resolved, testConfigInput } from '../support/netboot-http';
import { systemClock } from '../../main/contract/clock';

// The netboot responder over real HTTP on 127.0.0.1. 127.0.0.1 is a direct client; 127.0.0.2
// is the trusted proxy whose X-Forwarded-For carries the farm addresses.

class FakeEtcd implements EtcdReader {
  down = false;
  reads = 0;
  values = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    this.reads++;
    if (this.down) throw new AppError('UNAVAILABLE', 'etcd at http://127.0.0.1:2379 is unreachable: GRPCUnavailableError (connect ECONNREFUSED)');
    return this.values.get(key);
  }
}

const PROXY = '127.0.0.2';
const ARP = [
  'IP address       HW type     Flags       HW address            Mask     Device',
  `10.40.24.8       0x1         0x2         ${MAC2}     *        eth0`,
  '',
].join('\n');

let tmp: TempDir;
let bootDir: string;
let kernel: Buffer;
let server: NetbootServer;
let port: number;
const etcd = new FakeEtcd();
const records: NetbootRecord[] = [];
const logs: string[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('drover-netboot-');
  bootDir = path.join(tmp.path, 'boot');
  await mkdir(path.join(bootDir, 'userland'), { recursive: true });
  kernel = randomBytes(3 * 1024 * 1024 + 17);
  await writeFile(path.join(bootDir, 'vmlinuz'), kernel);
  await writeFile(path.join(bootDir, 'initrd-zrt'), randomBytes(64 * 1024));
  await writeFile(path.join(bootDir, 'userland', 'nvidia.tar.zst'), 'userland');
  await writeFile(path.join(tmp.path, 'secret.txt'), 'outside the boot dir');
  await symlink(path.join(tmp.path, 'secret.txt'), path.join(bootDir, 'escape'));
  etcd.values.set(`/farm/dc/${DC_UUID}/config`, 'POOL=stratum+tcp://pool.urumqi:4444\nWALLET=dc-default\n');
  etcd.values.set(`/farm/workers/${MAC1}/env`, "WORKER_NAME='rig 07'\nWALLET=0xabc\n");
  const config = resolved(
    testConfigInput({
      bootFiles: { dir: bootDir, upstreamUrl: 'http://mirror.example/netboot' },
      limits: { headersTimeoutMs: 1000, requestTimeoutMs: 5000, maxHeaderBytes: 4096 },
    }),
  );
  server = new NetbootServer({
    config,
    etcd,
    neighbours: new NeighbourTable({ clock: systemClock, source: { readArp: async () => ARP, readIpv6Neighbours: async () => '' } }),
    log: (l) => logs.push(l),
  });
  server.onDidRecord((r) => records.push(r));
  await server.start();
  port = server.status.port!;
});

afterAll(async () => {
  await server?.disposeAsync();
  await tmp?.remove();
  await stopAll();
});

const viaProxy = (client: string) => ({ localAddress: PROXY, headers: { 'X-Forwarded-For': client } });

describe('/api/v1/pxe', () => {
  it('serves the subnet script with the MAC from ?mac=, over one keep-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<net.Socket>();
    agent.on('free', (s: net.Socket) => sockets.add(s));
    try {
      const a = await get(port, `/api/v1/pxe?mac=${MAC1}`, { agent, headers: { 'User-Agent': 'iPXE/1.0.0+git-20190125.36a4c85-5.1' } });
      const b = await get(port, '/api/v1/pxe?mac=52-54-00-A1-9C-AE', { agent });
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(a.text).toBe(
        [
          '#!ipxe',
          `echo lo 127.0.0.1 ${MAC1}`,
          `kernel http://10.40.23.250/boot/vmlinuz?mac=${MAC1} initrd=initrd-zrt console=ttyS0,115200n8 ip=dhcp`,
          `initrd --name initrd-zrt http://10.40.23.250/boot/initrd-zrt?mac=${MAC1}`,
          'boot',
          '',
        ].join('\n'),
      );
      expect(b.text).toBe(a.text);
      expect(a.headers['x-drover-netboot']).toBeUndefined();
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('believes X-Forwarded-For from the trusted proxy and takes the MAC from the neighbour table', async () => {
    const r = await get(port, '/api/v1/pxe', viaProxy('10.40.24.8'));
    expect(r.status).toBe(200);
    expect(r.text).toContain(`echo rack-a 10.40.24.8 ${MAC2}`);
    expect(server.machine(MAC2)).toMatchObject({ ip: '10.40.24.8', macSource: 'neighbour', subnet: 'rack-a', lastStep: 'script', lastOutcome: 'ok' });
    const v6 = await get(port, `/api/v1/pxe?mac=${MAC1}`, viaProxy('[fd00:40:24::7]:5555'));
    expect(v6.text).toContain(`echo rack-v6 fd00:40:24::7 ${MAC1}`);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const r = await get(port, `/api/v1/pxe?mac=${MAC1}`, { headers: { 'X-Forwarded-For': '10.40.24.9' } });
    expect(r.text).toContain(`echo lo 127.0.0.1 ${MAC1}`);
  });

  it('answers an unknown subnet with a script that says why and retries after the delay', async () => {
    const r = await get(port, '/api/v1/pxe', viaProxy('10.9.0.7'));
    expect(r.status).toBe(200);
    expect(r.headers['x-drover-netboot']).toBe('fallback');
    expect(r.text).toBe(
      [
        '#!ipxe',
        ':retry',
        'echo Drover netboot: no netboot entry for 10.9.0.7: no configured subnet contains it.',
        'echo Retrying in 7 seconds',
        'sleep 7',
        'chain --replace --autofree http://10.40.23.250/api/v1/pxe?mac=${net0/mac} || chain --autofree http://10.40.23.250/api/v1/pxe?mac=${net0/mac} || goto retry',
        '',
      ].join('\n'),
    );
    expect(server.machine('ip:10.9.0.7')).toMatchObject({
      lastStep: 'script',
      lastOutcome: 'fallback',
      reason: 'no netboot entry for 10.9.0.7: no configured subnet contains it.',
    });
  });

  it('answers an unknown MAC with a script that says why and asks again with ${net0/mac}', async () => {
    const r = await get(port, '/api/v1/pxe', viaProxy('10.40.24.50'));
    expect(r.headers['x-drover-netboot']).toBe('fallback');
    expect(r.text).toMatch(/echo Drover netboot: the MAC of 10\.40\.24\.50 \(subnet rack-a\) is unknown: no mac parameter, 10\.40\.24\.50 has no entry in the neighbour table/);
    expect(r.text).toContain('chain --replace --autofree http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
    const bad = await get(port, '/api/v1/pxe?mac=not-a-mac%0Ashell', viaProxy('10.40.24.50'));
    expect(bad.text).toMatch(/the mac parameter "not-a-mac\?shell" is not a MAC address/);
    expect(bad.text.split('\n').filter((l) => l.startsWith('shell'))).toEqual([]);
    const empty = await get(port, '/api/v1/pxe?mac=', viaProxy('10.40.24.50'));
    expect(empty.text).toMatch(/the mac parameter is empty \(did \$ \{net0\/mac\} expand to nothing\?\)/);
    // The retry with the MAC then boots, and the address entry folds into the MAC's.
    const retried = await get(port, '/api/v1/pxe?mac=52:54:00:00:00:50', viaProxy('10.40.24.50'));
    expect(retried.headers['x-drover-netboot']).toBeUndefined();
    expect(server.machine('ip:10.40.24.50')).toBeUndefined();
    expect(server.machine('52:54:00:00:00:50')!.events.map((e) => e.outcome)).toEqual(['fallback', 'fallback', 'fallback', 'ok']);
  });

  it('serves /boot.ipxe as the same script (what dnsmasq examples point at)', async () => {
    const r = await get(port, `/boot.ipxe?mac=${MAC1}`);
    expect(r.text).toContain(`echo lo 127.0.0.1 ${MAC1}`);
  });
});

describe('/api/v1/get-config and /api/v1/get-initial-config', () => {
  it('serves the AgentConfig of the subnet as JSON', async () => {
    const r = await get(port, '/api/v1/get-config', viaProxy('10.40.24.8'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.text)).toEqual(AGENT_CONFIG);
    const none = await get(port, '/api/v1/get-config', viaProxy('10.9.0.7'));
    expect(none.status).toBe(404);
    expect(JSON.parse(none.text)).toEqual({ error: { code: 'NOT_FOUND', message: 'no netboot entry for 10.9.0.7: no configured subnet contains it' } });
  });

  it('merges the dc config and the worker env', async () => {
    const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(r.status).toBe(200);
    expect(r.text).toBe("POOL=stratum+tcp://pool.urumqi:4444\nWALLET=0xabc\nWORKER_NAME='rig 07'\n");
    await expect.poll(() => server.machine(MAC1)!.events.at(-1), { timeout: 5_000 }).toMatchObject({ step: 'env', outcome: 'ok', status: 200, bytes: r.body.length });
  });

  it('uses the MAC seen earlier at the address when the agent passes none', async () => {
    // 10.40.24.50 is in no neighbour table; it booted above with ?mac=52:54:00:00:00:50.
    etcd.values.set('/farm/workers/52:54:00:00:00:50/env', 'WORKER_NAME=rig-50\n');
    const r = await get(port, '/api/v1/get-initial-config', viaProxy('10.40.24.50'));
    expect(r.status).toBe(200);
    expect(r.text).toContain('WORKER_NAME=rig-50');
    expect(server.machine('52:54:00:00:00:50')).toMatchObject({ lastStep: 'env', lastOutcome: 'ok', macSource: 'recent' });
  });

  it('a MAC with no env gets a clear error the agent can log', async () => {
    const r = await get(port, '/api/v1/get-initial-config?mac=52:54:00:ff:ff:01');
    expect(r.status).toBe(404);
    expect(r.text).toBe('drover netboot: no worker env for 52:54:00:ff:ff:01: etcd key /farm/workers/52:54:00:ff:ff:01/env does not exist\n');
    const unknown = await get(port, '/api/v1/get-initial-config', viaProxy('10.40.24.77'));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toMatch(/^drover netboot: cannot tell which worker 10\.40\.24\.77 is: no mac parameter; 10\.40\.24\.77 has no entry/);
  });

  it('etcd down: 503 with Retry-After and a clear body, never a partial env; the timeline says why', async () => {
    etcd.down = true;
    try {
      const r = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('7');
      expect(r.text).toBe(
        'drover netboot: etcd could not be read: etcd at http://127.0.0.1:2379 is unreachable: GRPCUnavailableError (connect ECONNREFUSED); no env was sent, retry in 7 s\n',
      );
      expect(r.text).not.toMatch(/POOL|WALLET/);
      expect(server.machine(MAC1)).toMatchObject({ lastStep: 'env', lastOutcome: 'unavailable', reason: expect.stringMatching(/^etcd could not be read: .*unreachable/) });
      expect(server.status.etcd).toMatchObject({ state: 'down', reason: expect.stringMatching(/unreachable/) });
      expect(logs.some((l) => /etcd .*unreachable.*get-initial-config answers 503/.test(l))).toBe(true);
    } finally {
      etcd.down = false;
    }
    const again = await get(port, `/api/v1/get-initial-config?mac=${MAC1}`);
    expect(again.status).toBe(200);
    expect(server.status.etcd.state).toBe('ok');
  });

  it('never logs env values', () => {
    expect(logs.join('\n')).not.toMatch(/0xabc|rig 07|pool\.urumqi|dc-default/);
  });
});

describe('boot files', () => {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('streams a whole file with length, ETag and Accept-Ranges, and records the kernel step', async () => {
    const r = await get(port, `/boot/vmlinuz?mac=${MAC1}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(kernel.length));
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(sha(r.body)).toBe(sha(kernel));
    // The step is recorded when the server's side of the stream finishes, which can be just after the client has the last byte.
    await expect.poll(() => server.machine(MAC1)!.events.at(-1), { timeout: 5_000 }).toMatchObject({ step: 'kernel', outcome: 'ok', path: 'vmlinuz', bytes: kernel.length });
  });

  it('answers Range requests with 206, suffix ranges, 416 past the end, and If-Range', async () => {
    const part = await get(port, '/boot/vmlinuz', { headers: { Range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${kernel.length}`);
    expect(part.body.equals(kernel.subarray(1000, 2000))).toBe(true);
    const tail = await get(port, '/boot/vmlinuz', { headers: { Range: 'bytes=-17' } });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(kernel.subarray(kernel.length - 17))).toBe(true);
    const past = await get(port, '/boot/vmlinuz', { headers: { Range: `bytes=${kernel.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${kernel.length}`);
    const stale = await get(port, '/boot/vmlinuz', { headers: { Range: 'bytes=0-9', 'If-Range': '"old"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(kernel.length);
    const head = await get(port, '/boot/vmlinuz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(kernel.length));
    expect(head.body.length).toBe(0);
  });

  it('refuses path traversal in every spelling, and symlinks out of the directory', async () => {
    for (const target of ['/boot/../secret.txt', '/boot/%2e%2e/secret.txt', '/boot/..%2fsecret.txt', '/boot/sub/..%5c..%5csecret.txt', '/boot//etc/passwd', '/boot/.hidden']) {
      const r = await raw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(r.status, target).toBe(400);
      expect(r.text).not.toContain('outside the boot dir');
    }
    const link = await get(port, '/boot/escape');
    expect(link.status).toBe(403);
    expect(link.text).toBe('drover netboot: refused: escape leads outside the boot files directory (a symlink)\n');
  });

  it('redirects a file it does not have to the upstream', async () => {
    const r = await get(port, '/boot/bminer/bminer-v16.4.tar.xz');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('http://mirror.example/netboot/bminer/bminer-v16.4.tar.xz');
  });

  it('records a download the client cuts short as failed', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/boot/vmlinuz?mac=${MAC2}`, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
    });
    for (let i = 0; i < 50 && server.machine(MAC2)!.events.at(-1)!.outcome !== 'failed'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.machine(MAC2)!.events.at(-1)).toMatchObject({ step: 'kernel', outcome: 'failed', reason: expect.stringMatching(/the transfer stopped after about \d+ of \d+ bytes/) });
  });
});

describe('robustness', () => {
  it('is read-only: other methods 405, request bodies 400', async () => {
    const post = await get(port, '/api/v1/pxe', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const body = await raw(port, 'GET /api/v1/pxe HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    expect(body.status).toBe(400);
  });

  it('answers malformed requests 400 and oversized headers 431', async () => {
    expect((await raw(port, 'this is not http\r\n\r\n')).status).toBe(400);
    expect((await raw(port, 'GET /api/v1/pxe HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')).status).toBe(400);
    expect((await raw(port, 'GET /api/v1/pxe HTTP/1.1\r\n\r\n')).status).toBe(400); // no Host
    expect((await raw(port, 'GET http://evil/api/v1/pxe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe(400);
    const big = await raw(port, `GET /api/v1/pxe HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(big.closedByServer).toBe(true);
    const longUrl = await raw(port, `GET /api/v1/pxe?mac=${'a'.repeat(8000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(longUrl.status).toBe(431);
    expect(server.status.counters.headerTooLarge).toBeGreaterThanOrEqual(2);
  });

  it('closes a connection whose headers do not arrive within headersTimeout (408)', async () => {
    const r = await raw(port, 'GET /api/v1/pxe HTTP/1.1\r\nHost: x\r\n', { timeoutMs: 8000 });
    expect(r.status).toBe(408);
    expect(r.closedByServer).toBe(true);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(r.elapsedMs).toBeLessThan(3000);
  });

  it('has a status and a timeline that fit the contract', () => {
    const status = server.status;
    expect(NetbootStatusSchema.parse(status)).toEqual(status);
    expect(status).toMatchObject({ state: 'running', subnets: 3, serverUrl: 'http://10.40.23.250', listenUrl: `http://127.0.0.1:${port}` });
    const snap = server.timeline();
    NetbootTimelineSnapshotSchema.parse(snap);
    expect(snap.subnets.find((s) => s.subnet === 'rack-a')!.fallbacks).toBeGreaterThanOrEqual(3);
    expect(snap.unknownClients.noSubnet).toBeGreaterThanOrEqual(1);
    expect(records.some((r) => r.change === 'step')).toBe(true);
  });
});

describe('lifecycle', () => {
  it('stop frees the port, start listens again, dispose leaves nothing open', async () => {
    const s = new NetbootServer({ config: resolved(testConfigInput()), neighbours: false, log: () => undefined });
    await s.start();
    const p = s.status.port!;
    const keepAlive = new http.Agent({ keepAlive: true });
    expect((await get(p, `/api/v1/pxe?mac=${MAC1}`, { agent: keepAlive })).status).toBe(200);
    expect(s.status.openConnections).toBe(1);
    await s.stop();
    expect(s.status).toMatchObject({ state: 'stopped', openConnections: 0 });
    // The port is free: something else can listen on it now.
    const other = net.createServer();
    await new Promise<void>((resolve, reject) => other.once('error', reject).listen(p, '127.0.0.1', () => resolve()));
    await expect(new NetbootServer({ config: resolved(testConfigInput({ listen: { host: '127.0.0.1', port: p } })), neighbours: false, log: () => undefined }).start()).rejects.toMatchObject({
      code: 'PORT_IN_USE',
    });
    await new Promise<void>((resolve) => other.close(() => resolve()));
    await s.start();
    expect((await get(s.status.port!, `/api/v1/pxe?mac=${MAC1}`)).status).toBe(200);
    await s.disposeAsync();
    keepAlive.destroy();
    expect(s.status.state).toBe('stopped');
    await expect(s.start()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
  it('reloads its config file: a bad file is refused and the running config kept, a good one applied live', async () => {
    const file = path.join(tmp.path, 'netboot.json');
    const input = testConfigInput();
    await writeFile(file, JSON.stringify(input));
    const s = new NetbootServer({ configFile: new NetbootConfigFile(file), neighbours: false, log: () => undefined });
    const changes: string[] = [];
    s.onDidChangeStatus((st) => changes.push(st.state));
    try {
      await s.start();
      const p = s.status.port!;
      expect(s.status.config).toMatchObject({ ok: true, message: expect.stringMatching(/3 subnets \(2 IPv4, 1 IPv6\)/) });
      await writeFile(file, JSON.stringify({ ...input, subnets: [...input.subnets!, { name: 'broken', cidr: '10.50.0.0/99' }] }));
      const bad = await s.reloadConfig();
      expect(bad).toMatchObject({ ok: false, keptPrevious: true });
      expect(bad.problems).toEqual([{ path: 'subnets[3].cidr', subnet: 'broken', message: '"99" is not a prefix length from 0 to 32' }]);
      expect(s.status.config).toMatchObject({ ok: false, keptPrevious: true });
      expect((await get(p, `/api/v1/pxe?mac=${MAC1}`)).text).toContain('echo lo 127.0.0.1');

      const changed = testConfigInput({ retryDelaySec: 3 });
      changed.subnets = [{ name: 'lo-renamed', cidr: '127.0.0.1/32' }];
      await writeFile(file, JSON.stringify(changed));
      const good = await s.reloadConfig();
      expect(good.ok).toBe(true);
      expect((await get(p, `/api/v1/pxe?mac=${MAC1}`)).text).toContain('echo lo-renamed 127.0.0.1');
      expect(s.status).toMatchObject({ subnets: 1, restartRequired: false });
      expect(changes).toContain('running');
    } finally {
      await s.disposeAsync();
    }
  });

  it('refuses to start on an invalid config file and says why', async () => {
    const file = path.join(tmp.path, 'bad.json');
    await writeFile(file, JSON.stringify({ ...testConfigInput(), serverUrl: 'not a url' }));
    const s = new NetbootServer({ configFile: new NetbootConfigFile(file), neighbours: false, log: () => undefined });
    await expect(s.start()).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/is not a valid netboot config \(1 problem; first: serverUrl: "not a url" is not a URL/) });
    expect(s.status).toMatchObject({ state: 'failed', error: { code: 'INVALID_INPUT' } });
    await s.disposeAsync();
  });
});
