import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { defineContract, method, stream } from '../../main/contract/define';
import type { AppError } from '../../main/contract/errors';
import { toDisposable } from '../../main/contract/lifecycle';
import { createRouter } from '../../main/contract/rpc-server';
import { decodeBinaryFrame } from '../../main/contract/frames';
import { TerminalOutputSchema, terminalOutputText, type TerminalOutput } from '../../main/contract/terminal';
import { checkBindAddress, startWebHost, type WebHost } from '../../main/host/web-host';
import { connectWebHost, rpcUrlOf } from '../../main/host/ws-client';

const fakeContract = {
  fake: defineContract({
    echo: method({ input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) }),
    ticks: stream({ input: z.null(), event: z.number() }),
  }),
} as const;

function makeFake() {
  const counts = { subscribed: 0, disposed: 0 };
  const routes = createRouter(fakeContract, {
    fake: {
      echo: ({ text }) => ({ text }),
      ticks: (_input, sink) => {
        counts.subscribed++;
        let n = 0;
        const timer = setInterval(() => sink.next(++n), 20);
        return toDisposable(() => {
          clearInterval(timer);
          counts.disposed++;
        });
      },
    },
  });
  return { routes, counts };
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function get(port: number, reqPath: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: reqPath, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let tmp: string;
let staticDir: string;
let host: WebHost | undefined;
const logs: string[] = [];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-host-unit-'));
  staticDir = path.join(tmp, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><p>unit</p>');
  logs.length = 0;
});

afterEach(async () => {
  await host?.close();
  host = undefined;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('checkBindAddress', () => {
  it('accepts loopback addresses silently', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(checkBindAddress(h, false)).toEqual({ remote: false });
  });

  it('refuses a non-loopback address without allowRemote', () => {
    for (const h of ['0.0.0.0', '::', '192.168.1.10']) {
      expect(() => checkBindAddress(h, false)).toThrow(/refusing to listen/);
      try {
        checkBindAddress(h, false);
      } catch (err) {
        expect((err as AppError).code).toBe('PERMISSION_DENIED');
        expect((err as AppError).hint).toMatch(/--allow-remote/);
      }
    }
  });

  it('warns for a non-loopback address with allowRemote', () => {
    const check = checkBindAddress('0.0.0.0', true);
    expect(check.remote).toBe(true);
    expect(check.warning).toMatch(/WARNING.*0\.0\.0\.0.*other machines/);
  });

  it('refuses host names', () => {
    expect(() => checkBindAddress('example.com', true)).toThrow(/not an IP address/);
  });

  it('startWebHost refuses 0.0.0.0 before listening', async () => {
    const { routes } = makeFake();
    await expect(startWebHost({ routes, host: '0.0.0.0', staticDir, log: (l) => logs.push(l) })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});

describe('startWebHost', () => {
  it('binds 127.0.0.1 on a random port with a 32-byte base64url token', async () => {
    const { routes } = makeFake();
    host = await startWebHost({ routes, staticDir, log: (l) => logs.push(l) });
    expect(host.port).toBeGreaterThan(0);
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(logs).toEqual([]);
  });

  it('refuses a malformed token', async () => {
    const { routes } = makeFake();
    await expect(startWebHost({ routes, staticDir, token: 'short', log: () => undefined })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('reports a port in use', async () => {
    const { routes } = makeFake();
    host = await startWebHost({ routes, staticDir, log: () => undefined });
    await expect(startWebHost({ routes, staticDir, port: host.port, log: () => undefined })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });

  it('answers 503 with a build hint when the renderer is not built, and says so at startup', async () => {
    const { routes } = makeFake();
    host = await startWebHost({ routes, staticDir: path.join(tmp, 'nothing'), log: (l) => logs.push(l) });
    expect(logs.join('\n')).toMatch(/npm run build/);
    const res = await get(host.port, '/', { Authorization: `Bearer ${host.token}` });
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/npm run build/);
  });

  it('redirects ?token= to the same path without it, never to another host', async () => {
    const { routes } = makeFake();
    host = await startWebHost({ routes, staticDir, log: () => undefined });
    const a = await get(host.port, `/sub/page?x=1&token=${host.token}&y=2`);
    expect(a.status).toBe(303);
    expect(a.headers.location).toBe('/sub/page?x=1&y=2');
    const b = await get(host.port, `//evil.example/?token=${host.token}`);
    expect(b.status).toBe(303);
    expect(b.headers.location).toBe('/evil.example/');
    const c = await get(host.port, `/\\evil.example/?token=${host.token}`);
    expect(c.headers.location).toBe('/evil.example/');
  });

  it('serves files with content types and refuses symlinks out of the static dir', async () => {
    fs.writeFileSync(path.join(staticDir, 'app.js'), 'console.log(1)');
    fs.mkdirSync(path.join(staticDir, 'assets'));
    fs.writeFileSync(path.join(staticDir, 'assets', 'style.css'), 'p{}');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(staticDir, 'leak.txt'));
    fs.symlinkSync(tmp, path.join(staticDir, 'up'));
    fs.symlinkSync(path.join(staticDir, 'app.js'), path.join(staticDir, 'alias.js'));
    const { routes } = makeFake();
    host = await startWebHost({ routes, staticDir, log: () => undefined });
    const auth = { Authorization: `Bearer ${host.token}` };
    const js = await get(host.port, '/app.js', auth);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const css = await get(host.port, '/assets/style.css', auth);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(host.port, '/alias.js', auth)).status).toBe(200);
    expect((await get(host.port, '/leak.txt', auth)).status).toBe(404);
    expect((await get(host.port, '/up/secret.txt', auth)).status).toBe(404);
    expect((await get(host.port, '/assets', auth)).status).toBe(404);
    expect((await get(host.port, '/nope.js', auth)).status).toBe(404);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00', '/%zz']) {
      const res = await get(host.port, p, auth);
      expect([400, 404], p).toContain(res.status);
      expect(res.body).not.toContain('secret');
    }
  });

  it('frees a connection’s subscriptions when its socket closes', async () => {
    const { routes, counts } = makeFake();
    host = await startWebHost({ routes, staticDir, log: () => undefined });
    const client = await connectWebHost(host.url, { contract: fakeContract });
    expect(await client.api.fake.echo({ text: 'hi' })).toEqual({ text: 'hi' });
    const seen: number[] = [];
    client.api.fake.ticks(null, { next: (n) => seen.push(n) });
    client.api.fake.ticks(null, { next: () => undefined });
    await waitFor(() => seen.length >= 2 && counts.subscribed === 2);
    expect(host.connectionCount).toBe(1);
    client.dispose();
    await waitFor(() => counts.disposed === 2 && host?.connectionCount === 0);
  });

  it('close() ends open connections and frees their subscriptions', async () => {
    const { routes, counts } = makeFake();
    host = await startWebHost({ routes, staticDir, log: () => undefined });
    const client = await connectWebHost(host.url, { contract: fakeContract });
    let closedReason: string | undefined;
    client.onDidClose((r) => (closedReason = r));
    client.api.fake.ticks(null, { next: () => undefined });
    await waitFor(() => counts.subscribed === 1);
    await host.close();
    expect(counts.disposed).toBe(1);
    await waitFor(() => closedReason !== undefined);
    expect(closedReason).toMatch(/1001/);
    await expect(get(host.port, '/')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('drops a peer that stops answering pings', async () => {
    const { routes, counts } = makeFake();
    host = await startWebHost({ routes, staticDir, keepaliveMs: 100, log: () => undefined });
    const port = host.port;
    // A raw socket that completes the handshake, subscribes, and never answers a ping.
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(
      `GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${host.token}\r\n\r\n`,
    );
    // One masked text frame: {"t":"sub","id":1,"m":"fake.ticks","p":null}
    const payload = Buffer.from(JSON.stringify({ t: 'sub', id: 1, m: 'fake.ticks', p: null }));
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
    sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('data', () => undefined);
    await waitFor(() => counts.subscribed === 1);
    expect(host.connectionCount).toBe(1);
    await closed;
    await waitFor(() => counts.disposed === 1 && host?.connectionCount === 0);
  });

  it('refuses an upgrade with a token but without Origin when the token came from a cookie', async () => {
    const { routes } = makeFake();
    host = await startWebHost({ routes, staticDir, log: () => undefined });
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host?.port}/rpc`, { headers: { Cookie: `drover-token-${host?.port}=${host?.token}` } });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('opened')));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
    // The same cookie with our own Origin (a browser page of ours) is accepted.
    const ok = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host?.port}/rpc`, {
        headers: { Cookie: `drover-token-${host?.port}=${host?.token}` },
        origin: host?.origin,
      });
      ws.on('open', () => {
        resolve(true);
        ws.close();
      });
      ws.on('unexpected-response', () => resolve(false));
      ws.on('error', () => undefined);
    });
    expect(ok).toBe(true);
  });

  it('connectWebHost reports a refused token as UNAUTHENTICATED', async () => {
    const { routes } = makeFake();
    host = await startWebHost({ routes, staticDir, log: () => undefined });
    await expect(connectWebHost(`${host.origin}/?token=${'x'.repeat(43)}`, { contract: fakeContract })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(connectWebHost(`${host.origin}/`, { contract: fakeContract })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

// Terminal output over a real WebSocket: binary frames both ways through `ws`.
const termContract = {
  term: defineContract({
    out: stream({ input: z.object({ count: z.number().int() }), event: TerminalOutputSchema, text: terminalOutputText }),
    echo: method({ input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) }),
  }),
} as const;

/** Output like a terminal's: ASCII lines, escapes, multi-byte and astral characters, a big frame, a title. */
function termEvents(count: number): TerminalOutput[] {
  const out: TerminalOutput[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ kind: 'data', data: `${String(i).padStart(6, '0')} \x1b[1;3${i % 8}mzeile ü ß 字 😀\x1b[0m "\\" \r\n`.repeat(1 + (i % 50)) });
    if (i === 7) out.push({ kind: 'title', title: 'mc — ~/src' });
  }
  out.push({ kind: 'data', data: 'x'.repeat(256 * 1024) });
  return out;
}

function termRoutes() {
  return createRouter(termContract, {
    term: {
      out: ({ count }, sink) => {
        const timer = setTimeout(() => {
          for (const e of termEvents(count)) sink.next(e);
          sink.end();
        }, 5);
        return toDisposable(() => clearTimeout(timer));
      },
      echo: ({ text }) => ({ text }),
    },
  });
}

function rawSocket(url: string): Promise<{ ws: WebSocket; messages: Array<{ binary: boolean; data: Buffer }> }> {
  const token = new URL(url).searchParams.get('token')!;
  const ws = new WebSocket(rpcUrlOf(url), { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const messages: Array<{ binary: boolean; data: Buffer }> = [];
  ws.on('message', (data, binary) => messages.push({ binary, data: data as Buffer }));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
  });
}

describe('binary frames over the WebSocket host', () => {
  it('round-trips terminal output as binary frames, every character intact, titles as JSON', async () => {
    host = await startWebHost({ routes: termRoutes(), staticDir, log: () => undefined });
    const client = await connectWebHost(host.url, { contract: termContract });
    const got: TerminalOutput[] = [];
    await new Promise<void>((resolve, reject) => client.api.term.out({ count: 200 }, { next: (e) => got.push(e), end: (err) => (err ? reject(err) : resolve()) }));
    expect(got).toEqual(termEvents(200));
    client.dispose();

    // On the wire: the data events are binary frames with the subscription's id, the title is text.
    const { ws, messages } = await rawSocket(host.url);
    ws.send(JSON.stringify({ t: 'sub', id: 5, m: 'term.out', p: { count: 10 }, b: 1 }));
    await waitFor(() => messages.some((m) => !m.binary && m.data.toString().includes('"end"')));
    const binary = messages.filter((m) => m.binary).map((m) => decodeBinaryFrame(new Uint8Array(m.data)));
    expect(binary).toHaveLength(11);
    expect(binary.every((f) => f.ok && f.id === 5)).toBe(true);
    expect(binary.map((f) => (f.ok ? f.text : '')).join('')).toBe(
      termEvents(10)
        .map((e) => (e.kind === 'data' ? e.data : ''))
        .join(''),
    );
    expect(messages.some((m) => !m.binary && m.data.toString().includes('"title"'))).toBe(true);
    // Without b: 1 (an older client) the same stream comes as JSON.
    messages.length = 0;
    ws.send(JSON.stringify({ t: 'sub', id: 6, m: 'term.out', p: { count: 3 } }));
    await waitFor(() => messages.some((m) => !m.binary && m.data.toString().includes('"end"')));
    expect(messages.every((m) => !m.binary)).toBe(true);
    ws.close();
  });

  it('answers a malformed binary frame with a clear BAD_FRAME and keeps the connection serving', async () => {
    host = await startWebHost({ routes: termRoutes(), staticDir, log: () => undefined });
    const { ws, messages } = await rawSocket(host.url);
    ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true });
    ws.send(JSON.stringify({ t: 'req', id: 1, m: 'term.echo', p: { text: 'still here' } }));
    await waitFor(() => messages.some((m) => m.data.toString().includes('still here')));
    const texts = messages.map((m) => JSON.parse(m.data.toString()) as { t: string; e?: { code: string; message: string } });
    expect(texts).toContainEqual(expect.objectContaining({ t: 'err', e: expect.objectContaining({ code: 'BAD_FRAME', message: expect.stringContaining('binary frame of 4 bytes from a client') }) }));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
