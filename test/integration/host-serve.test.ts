import { readFileSync } from 'node:fs';
// The real CLI as a child process: `node bin/drover.mjs serve`, driven over HTTP and WebSocket.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_MAX_FRAME_CHARS } from '../../main/contract/frames';
import { appContract } from '../../main/contract/index';
import type { AppError } from '../../main/contract/errors';
import { createClient } from '../../main/contract/rpc-client';
import { connectWebHost } from '../../main/host/ws-client';
import { createWebSocketEndpoint } from '../../main/host/ws-endpoint';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bin = path.join(repoRoot, 'bin', 'drover.mjs');
const URL_LINE = /^Drover web UI: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43}))$/;

interface Served {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runCli(args: string[]): { child: ChildProcess; stdout(): string; stderr(): string; exited: Served['exited'] } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DROVER_STATIC_DIR: '' } });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function serve(args: string[]): Promise<Served> {
  const run = runCli(['serve', ...args]);
  const until = Date.now() + 60_000;
  for (;;) {
    const m = URL_LINE.exec(run.stdout().split('\n')[0] ?? '');
    if (m && run.stdout().includes('\n')) return { ...run, url: m[1] ?? '', port: Number(m[2]), token: m[3] ?? '' };
    if (run.child.exitCode !== null) throw new Error(`drover serve exited early:\n${run.stderr()}`);
    if (Date.now() > until) throw new Error(`no URL line from drover serve:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, reqPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: reqPath, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The HTTP status of a refused upgrade, or 101 when it opened. */
function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => resolve(-1));
  });
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

let tmp: string;
let staticDir: string;
let served: Served;
let cookie: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-serve-'));
  staticDir = path.join(tmp, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Drover test</title><script type="module" src="./app.js"></script>');
  fs.writeFileSync(path.join(staticDir, 'app.js'), 'export {};');
  served = await serve(['--port', '0', '--config-dir', path.join(tmp, 'config'), '--static-dir', staticDir]);
  cookie = `drover-token-${served.port}=${served.token}`;
});

afterAll(async () => {
  if (served && served.child.exitCode === null) {
    served.child.kill('SIGKILL');
    await served.exited;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('drover serve (child process)', () => {
  it('prints exactly one line to stdout: the URL with a 32-byte token', () => {
    expect(served.stdout()).toBe(`Drover web UI: ${served.url}\n`);
    expect(Buffer.from(served.token, 'base64url')).toHaveLength(32);
  });

  it('GET with ?token= sets an HttpOnly SameSite=Strict cookie and 303s to the path without the token', async () => {
    const res = await request(served.port, `/?token=${served.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const setCookie = res.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toContain(`${cookie};`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
  });

  it('GET with the cookie serves index.html with the security headers', async () => {
    const res = await request(served.port, '/', { Cookie: cookie });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<title>Drover test</title>');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    const csp = String(res.headers['content-security-policy']);
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
    expect(scriptSrc).toMatch(/'self'/);
    expect(scriptSrc).not.toMatch(/unsafe-inline|unsafe-eval/);
    const js = await request(served.port, '/app.js', { Cookie: cookie });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['content-security-policy']).toBe(csp);
  });

  it('refuses requests without a token or with a wrong one (401, short text)', async () => {
    const wrong = 'A'.repeat(43);
    for (const [p, h] of [
      ['/', {}],
      [`/?token=${wrong}`, {}],
      ['/', { Cookie: `drover-token-${served.port}=${wrong}` }],
      ['/', { Authorization: `Bearer ${wrong}` }],
      ['/app.js', {}],
    ] as Array<[string, Record<string, string>]>) {
      const res = await request(served.port, p, h);
      expect(res.status, `${p} ${JSON.stringify(h)}`).toBe(401);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body.length).toBeLessThan(200);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a foreign Host header (DNS rebinding) even with the right token', async () => {
    const res = await request(served.port, '/', { Cookie: cookie, Host: `evil.example:${served.port}` });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('Drover test');
    const ok = await request(served.port, '/', { Cookie: cookie, Host: `localhost:${served.port}` });
    expect(ok.status).toBe(200);
  });

  it('refuses path traversal', async () => {
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/%2E%2E%2Fpackage.json', '/..%2f..%2fpackage.json', '/static/../../package.json']) {
      const res = await request(served.port, p, { Cookie: cookie });
      expect([400, 404], p).toContain(res.status);
      expect(res.body).not.toContain('"name"');
    }
    expect((await request(served.port, '/missing.js', { Cookie: cookie })).status).toBe(404);
  });

  it('refuses a WebSocket upgrade without a token, or with a foreign Origin', async () => {
    const wsUrl = `ws://127.0.0.1:${served.port}/rpc`;
    expect(await upgradeStatus(wsUrl)).toBe(401);
    expect(await upgradeStatus(wsUrl, { headers: { Authorization: `Bearer ${'B'.repeat(43)}` } })).toBe(401);
    expect(await upgradeStatus(`${wsUrl}?token=${served.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(wsUrl, { headers: { Cookie: cookie }, origin: `http://localhost:${served.port + 1}` })).toBe(403);
    expect(await upgradeStatus(wsUrl, { headers: { Cookie: cookie }, origin: `http://127.0.0.1:${served.port}` })).toBe(101);
    expect(await upgradeStatus(`${wsUrl}?token=${served.token}`)).toBe(101);
    expect(await upgradeStatus(`ws://127.0.0.1:${served.port}/other`, { headers: { Authorization: `Bearer ${served.token}` } })).toBe(404);
  });

  it('calls system.ping and system.info and streams system.heartbeat over the WebSocket', async () => {
    const client = await connectWebHost(served.url);
    try {
      const pong = await client.api.system.ping({ echo: 'héllo' });
      expect(pong.echo).toBe('héllo');
      const info = await client.api.system.info(null);
      expect(info.transport).toBe('web');
      expect(info.configDir).toBe(path.join(tmp, 'config'));
      // The CLI re-executes itself once with V8 flags (bin/drover.mjs): the server is the CLI or its child.
      const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${info.pid}/status`, 'utf8'))?.[1]);
      expect([info.pid, ppid]).toContain(served.child.pid);
      const seqs: number[] = [];
      const sub = client.api.system.heartbeat({ intervalMs: 50 }, { next: (e) => seqs.push(e.seq) });
      const until = Date.now() + 5000;
      while (seqs.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      sub.dispose();
      expect(seqs.slice(0, 3)).toEqual([1, 2, 3]);
    } finally {
      client.dispose();
    }
  });

  it('answers malformed, unknown, binary and oversized frames with errors and keeps the connection', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/rpc`, { headers: { Authorization: `Bearer ${served.token}` } });
    const raw: Array<{ t: string; id?: number; e?: { code: string } }> = [];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) raw.push(JSON.parse(String(data)) as (typeof raw)[number]);
    });
    const protocolErrors: AppError[] = [];
    const client = createClient(createWebSocketEndpoint(ws), appContract, { onProtocolError: (e) => protocolErrors.push(e) });
    await client.ready;
    const next = async (pred: (f: (typeof raw)[number]) => boolean) => {
      const until = Date.now() + 10_000;
      for (;;) {
        const f = raw.find(pred);
        if (f) return f;
        if (Date.now() > until) throw new Error(`no such frame; got ${JSON.stringify(raw.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      ws.send('{this is not json');
      expect((await next((f) => f.t === 'err' && f.e?.code === 'BAD_FRAME' && f.id === undefined)).e?.code).toBe('BAD_FRAME');

      ws.send(JSON.stringify({ t: 'req', id: 900001, m: 'nope.nothing', p: null }));
      expect((await next((f) => f.id === 900001)).e?.code).toBe('UNKNOWN_METHOD');

      const before = raw.length;
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      const binErr = await next((f) => raw.indexOf(f) >= before && f.t === 'err');
      expect(binErr.e?.code).toBe('BAD_FRAME');

      const big = `{"t":"req","id":900002,"m":"system.ping","p":{"echo":"${'x'.repeat(DEFAULT_MAX_FRAME_CHARS)}"}}`;
      ws.send(big);
      const tooLarge = await next((f) => f.id === 900002);
      expect(tooLarge.t).toBe('err');
      expect(tooLarge.e?.code).toBe('FRAME_TOO_LARGE');

      expect(ws.readyState).toBe(WebSocket.OPEN);
      expect((await client.api.system.ping({ echo: 'still here' })).echo).toBe('still here');
      // Frame-level errors for ids this client never used surface as protocol errors.
      expect(protocolErrors.map((e) => e.code)).toEqual(['BAD_FRAME', 'BAD_FRAME', 'FRAME_TOO_LARGE']);
    } finally {
      client.dispose();
    }
    expect(served.child.exitCode).toBeNull();
  });

  it('closes (1009) only the socket of a message beyond the WebSocket limit; the process serves on', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/rpc`, { headers: { Authorization: `Bearer ${served.token}` } });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => undefined);
    ws.send('x'.repeat(DEFAULT_MAX_FRAME_CHARS * 3 + 128 * 1024));
    expect(await closed).toBe(1009);
    const client = await connectWebHost(served.url);
    expect((await client.api.system.ping({ echo: 'after' })).echo).toBe('after');
    client.dispose();
  });

  it('refuses a non-loopback bind without --allow-remote, without listening', async () => {
    const run = runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--config-dir', path.join(tmp, 'config2')]);
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toMatch(/refusing to listen on 0\.0\.0\.0/);
    expect(run.stderr()).toMatch(/--allow-remote/);
  });

  it('exits 0 on SIGTERM and closes its port', async () => {
    const client = await connectWebHost(served.url);
    const closed = new Promise<string>((r) => client.onDidClose(r));
    served.child.kill('SIGTERM');
    const { code, signal } = await served.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(await closed).toMatch(/1001|1006/);
    expect(await portIsClosed(served.port)).toBe(true);
    expect(served.stdout().trim().split('\n')).toHaveLength(1);
  });
});

describe('drover serve and SIGINT', () => {
  it('stops cleanly on Ctrl-C (SIGINT), exit 0', async () => {
    const s = await serve(['--port', '0', '--config-dir', path.join(tmp, 'config3'), '--static-dir', staticDir]);
    s.child.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(await portIsClosed(s.port)).toBe(true);
  });
});
