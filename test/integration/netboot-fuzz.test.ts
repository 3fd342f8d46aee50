import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetbootServer } from '../../main/netboot/netboot-server';
import type { EtcdReader } from '../../main/netboot/etcd-reader';
import { MAC1, get, resolved, testConfigInput } from '../support/netboot-http';

// 10,000 malformed requests over raw sockets: the responder answers every one (or closes),
// never with a 500, keeps serving, and its heap stays flat.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const TOTAL = 10_000;
const CONCURRENCY = 48;

let seed = 0x5eed;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
}
function pick<T>(list: readonly T[]): T {
  return list[rnd(list.length)]!;
}
function randomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rnd(256);
  return b;
}
function junkText(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rnd(2) ? 32 + rnd(95) : rnd(256));
  return s;
}

const PATHS = [
  '/api/v1/pxe',
  '/api/v1/get-config',
  '/api/v1/get-initial-config',
  '/boot/vmlinuz',
  '/boot/../../etc/passwd',
  '/boot/%2e%2e/%2e%2e/etc/shadow',
  '/boot/%zz',
  '/boot/a%00b',
  '/nope',
  '/api/v1/pxe?mac=%ff%fe',
  '/api/v1/pxe?mac=' + 'z'.repeat(300),
  '/api/v1/pxe?mac=52:54:00:a1:9c:ae%0aimgexec',
  '/api/v1/pxe?a=1&a=2&mac',
  '*',
  'http://10.0.0.1/api/v1/pxe',
];

/** One malformed (or hostile) request, as bytes. */
function malformed(i: number): { bytes: Buffer; localAddress?: string; reset?: boolean } {
  const kind = i % 12;
  const p = pick(PATHS);
  switch (kind) {
    case 0:
      return { bytes: randomBytes(1 + rnd(1500)) };
    case 1:
      return { bytes: Buffer.from(`${pick(['GET', 'POST', 'PUT', 'G\u0000T', 'BREW', '', 'GET GET'])} ${p} ${pick(['HTTP/1.1', 'HTTP/9.9', 'HTTP/1', '', 'HTTX/1.1'])}\r\n\r\n`, 'latin1') };
    case 2:
      return { bytes: Buffer.from(`GET ${p} HTTP/1.1\r\nHost: x\r\n${pick(['Bad Header', 'X:\u0000y', ': empty', ' folded', 'X-A: b\rc'])}\r\n\r\n`, 'latin1') };
    case 3:
      return { bytes: Buffer.from(`GET ${p} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000 + rnd(6000))}\r\n\r\n`) };
    case 4:
      return {
        bytes: Buffer.from(
          `GET ${p} HTTP/1.1\r\nHost: x\r\n${pick(['Content-Length: 5\r\nContent-Length: 6', 'Transfer-Encoding: chunked', 'Content-Length: -1', 'Content-Length: 99999999999999999999', 'Transfer-Encoding: chunked\r\nContent-Length: 3'])}\r\n\r\n${pick(['zz\r\n', '5\r\nab', 'hello'])}`,
        ),
      };
    case 5:
      // Well-formed HTTP, hostile content, from the trusted proxy: bad X-Forwarded-For, odd paths.
      return {
        bytes: Buffer.from(
          `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Forwarded-For: ${pick(['unknown', '10.40.24.7, ,', '[fd00::1', '999.1.1.1', junkText(30).replace(/[\r\n]/g, ''), '10.40.24.7', '::ffff:10.9.9.9'])}\r\nRange: ${pick(['bytes=0-', 'bytes=x', 'bytes=5-1', 'bytes=-0', 'bytes=0-1,2-3'])}\r\n\r\n`,
          'latin1',
        ),
        localAddress: '127.0.0.2',
      };
    case 6:
      // Truncated in the middle of the headers.
      return { bytes: Buffer.from(`GET ${p} HTTP/1.1\r\nHost: x\r\nX-Forwarded-Fo`) };
    case 7:
      // A valid request with garbage pipelined behind it.
      return { bytes: Buffer.concat([Buffer.from(`GET /api/v1/pxe?mac=${MAC1} HTTP/1.1\r\nHost: x\r\n\r\n`), randomBytes(50 + rnd(200))]) };
    case 8:
      return { bytes: Buffer.from(`GET ${p} HTTP/1.1\r\nHost: x\r\n`), reset: true };
    case 9:
      return { bytes: Buffer.from(`${junkText(10 + rnd(100))}\r\n\r\n`, 'latin1') };
    case 10:
      return { bytes: Buffer.from(`GET /api/v1/pxe HTTP/1.1\r\n${Array.from({ length: 150 }, (_, k) => `X-${k}: v`).join('\r\n')}\r\nHost: x\r\n\r\n`) };
    default:
      return { bytes: Buffer.from(`GET ${p}?${'q='.repeat(1500)} HTTP/1.1\r\nHost: x\r\n\r\n`) };
  }
}

interface Outcome {
  status: number | undefined;
  timedOut: boolean;
}

function fire(port: number, req: ReturnType<typeof malformed>): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: req.localAddress });
    let first: Buffer | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, 5000);
    socket.on('connect', () => {
      if (req.reset) {
        socket.write(req.bytes, () => socket.resetAndDestroy());
        return;
      }
      socket.end(req.bytes);
    });
    socket.on('data', (c: Buffer) => {
      if (!first) first = c;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const m = first ? /^HTTP\/1\.1 (\d{3})/.exec(first.toString('latin1')) : null;
      resolve({ status: m ? Number(m[1]) : undefined, timedOut: timedOut && !req.reset });
    });
  });
}

async function storm(port: number, count: number, offset: number): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const o = await fire(port, malformed(offset + i));
      const k = o.timedOut ? 'timeout' : String(o.status ?? 'closed');
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

function heapMb(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

let server: NetbootServer;
let port: number;
const etcd: EtcdReader = { get: async () => 'A=1\n' };

beforeAll(async () => {
  server = new NetbootServer({
    config: resolved(testConfigInput({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 1000, maxHeaderBytes: 4096 } })),
    etcd,
    neighbours: false,
    log: () => undefined,
  });
  await server.start();
  port = server.status.port!;
});

afterAll(async () => {
  await server?.disposeAsync();
});

describe('fuzz', () => {
  it(`answers ${TOTAL} malformed requests, keeps serving, and its heap stays flat`, { timeout: 60_000 }, async () => {
    await storm(port, 1000, 0); // warm up: JIT, pools, the timeline's first entries
    const before = heapMb();
    const started = Date.now();
    const statuses = await storm(port, TOTAL, 1000);
    const elapsed = Date.now() - started;
    const after = heapMb();

    // Every request got an answer or a close from the server: none left hanging.
    expect(statuses.get('timeout') ?? 0).toBe(0);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(TOTAL);
    expect(statuses.get('500') ?? 0).toBe(0);
    expect(statuses.get('400')).toBeGreaterThan(TOTAL / 4);
    expect(statuses.get('431')).toBeGreaterThan(TOTAL / 20);
    expect(server.status.counters.internalErrors).toBe(0);

    // Still serving, connections all closed.
    const ok = await get(port, `/api/v1/pxe?mac=${MAC1}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(`echo lo 127.0.0.1 ${MAC1}`);
    for (let i = 0; i < 100 && server.status.openConnections > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.status.openConnections).toBe(0);

    const growth = after - before;
    console.log(
      `netboot fuzz: ${TOTAL} requests in ${elapsed} ms (${Math.round((TOTAL * 1000) / elapsed)}/s); statuses ${JSON.stringify(Object.fromEntries(statuses))}; heap ${before.toFixed(1)} → ${after.toFixed(1)} MB`,
    );
    expect(growth).toBeLessThan(8);
  });
});
