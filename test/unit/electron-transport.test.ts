// The Electron shell's pure parts, in plain Node: the app:// protocol handler (MIME types, CSP,
// no path traversal) and the MessagePort transport (adapter + one-connection-per-window server),
// driven over real MessageChannels from node:worker_threads shaped like Electron's MessagePortMain.
import { EventEmitter } from 'node:events';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler, appUrlToRelativePath, mimeTypeFor, resolveInside } from '../../electron/app-protocol';
import { messagePortEndpoint, type MessagePortLike, type PortMessageEvent } from '../../electron/message-port-endpoint';
import { PortServer } from '../../electron/port-server';
import { createServices, type Services } from '../../main/app/create-services';
import { appContract } from '../../main/contract/index';
import type { FrameEndpoint } from '../../main/contract/endpoint';
import { createClient } from '../../main/contract/rpc-client';
import { createRouter, serveConnection } from '../../main/contract/rpc-server';
import { decodeBinaryFrame, encodeBinaryEvent } from '../../main/contract/frames';
import { terminalContract, type TerminalOutput } from '../../main/contract/terminal';
import { toDisposable } from '../../main/contract/lifecycle';

/** A Node MessagePort with Electron's MessagePortMain event shape ({ data, ports }). */
class FakePortMain extends EventEmitter implements MessagePortLike {
  closed = false;
  started = false;
  constructor(readonly port: MessagePort) {
    super();
    port.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }
  postMessage(message: unknown, transfer?: unknown[]): void {
    this.port.postMessage(message, transfer as Parameters<MessagePort['postMessage']>[1]);
  }
  /** Like Electron's ports, messages queue until start() (a Node port starts on its first listener). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.port.on('message', (data: unknown) => this.emit('message', { data, ports: [] } satisfies PortMessageEvent));
  }
  close(): void {
    this.closed = true;
    this.port.close();
  }
}

function fakeChannel(): { port1: FakePortMain; port2: FakePortMain } {
  const { port1, port2 } = new MessageChannel();
  return { port1: new FakePortMain(port1), port2: new FakePortMain(port2) };
}

/** The page's end as a FrameEndpoint (what renderer/src/api does with the transferred port). */
function pageEndpoint(port: FakePortMain): FrameEndpoint {
  return messagePortEndpoint(port);
}

const until = async (what: string, fn: () => boolean, timeoutMs = 3000) => {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('app:// protocol handler', () => {
  let root: string;
  let handler: (request: Request) => Promise<Response>;
  const refused: string[] = [];

  beforeAll(() => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'drover-app-protocol-'));
    root = path.join(base, 'renderer');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Drover</title>');
    writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(path.join(root, 'assets', 'index-abc.css'), 'body{}');
    writeFileSync(path.join(root, 'assets', 'font.woff2'), 'x');
    writeFileSync(path.join(root, 'assets', 'blob.bin'), 'x');
    writeFileSync(path.join(base, 'secret.txt'), 'do not serve');
    handler = createAppProtocolHandler({ rootDir: root, log: (m) => refused.push(m) });
  });
  afterAll(() => rmSync(path.dirname(root), { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

  it('serves files with their MIME type and the shared CSP', async () => {
    const index = await get('app://drover/index.html');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>Drover</title>');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');

    expect((await get('app://drover/assets/index-abc.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('app://drover/assets/index-abc.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('app://drover/assets/font.woff2')).headers.get('content-type')).toBe('font/woff2');
    expect((await get('app://drover/assets/blob.bin')).headers.get('content-type')).toBe('application/octet-stream');
    expect((await get('app://drover/')).status).toBe(200);
    const head = await get('app://drover/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('falls back to index.html for client routes, 404 for missing files', async () => {
    const route = await get('app://drover/tunnels/edit');
    expect(route.status).toBe(200);
    expect(route.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await get('app://drover/assets/missing.js')).status).toBe(404);
  });

  it('never leaves the renderer folder', async () => {
    for (const url of [
      'app://drover/../secret.txt',
      'app://drover/%2e%2e/secret.txt',
      'app://drover/..%2Fsecret.txt',
      'app://drover/assets/..%2F..%2Fsecret.txt',
      'app://drover/..%5Csecret.txt',
      'app://drover/assets%2F..%2F..%2Fsecret.txt',
      'app://drover/%00index.html',
      'app://drover/C:%5Cwindows%5Cwin.ini',
      'app://drover/%E0%A4%A',
      'app://evil/index.html',
      'app://drover:8080/index.html',
      'https://drover/index.html',
      'file:///etc/passwd',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('do not serve');
    }
    expect(refused.length).toBeGreaterThan(0);
  });

  it('answers only GET and HEAD', async () => {
    expect((await handler(new Request('app://drover/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('maps URLs and paths conservatively', () => {
    expect(appUrlToRelativePath('app://drover/assets/a.js')).toBe('assets/a.js');
    expect(appUrlToRelativePath('app://drover/a%20b.js')).toBe('a b.js');
    expect(appUrlToRelativePath('app://drover/a.js?x=1#y')).toBe('a.js');
    expect(appUrlToRelativePath('app://user:pw@drover/index.html')).toBeNull();
    expect(appUrlToRelativePath('not a url')).toBeNull();
    expect(appUrlToRelativePath('app://drover/x/%2e%2e/%2e%2e/y')).toBe('y'); // URL parsing resolves dot segments first
    expect(resolveInside('/srv/r', '../x')).toBeNull();
    expect(resolveInside('/srv/r', '')).toBeNull();
    expect(resolveInside('/srv/r', 'a/b.js')).toBe(path.resolve('/srv/r/a/b.js'));
    expect(mimeTypeFor('x.MJS')).toBe('text/javascript; charset=utf-8');
  });
});

describe('MessagePort transport', () => {
  let services: Services;
  let configDir: string;

  beforeAll(async () => {
    configDir = mkdtempSync(path.join(os.tmpdir(), 'drover-electron-transport-'));
    services = await createServices({ transport: 'electron', configDir });
  });
  afterAll(async () => {
    await Promise.resolve(services?.dispose());
    rmSync(configDir, { recursive: true, force: true });
  });

  it('adapts MessagePortMain to a FrameEndpoint: text frames, close both ways, extra ports closed', async () => {
    const { port1, port2 } = fakeChannel();
    const a = messagePortEndpoint(port1);
    const b = messagePortEndpoint(port2);
    const got: unknown[] = [];
    const reasons: string[] = [];
    b.onMessage((d) => got.push(d));
    b.onClose((r) => reasons.push(r));
    expect(port2.started).toBe(true);
    a.send('{"t":"x"}');
    await until('a frame', () => got.length === 1);
    expect(got).toEqual(['{"t":"x"}']);

    // A port transferred along with a message is closed, never kept.
    const extra = { closed: false, close() { this.closed = true; } };
    port2.emit('message', { data: 'y', ports: [extra] });
    expect(extra.closed).toBe(true);

    a.close();
    await until('close on the other side', () => reasons.length === 1);
    expect(() => a.send('z')).toThrow(/closed/);
    let lateReason = '';
    a.onClose((r) => (lateReason = r));
    await until('late onClose', () => lateReason !== '');
  });

  it('sends binary frames as an ArrayBuffer of their own: transferred where the port takes ArrayBuffers, copied otherwise', async () => {
    for (const transferBinary of [true, false]) {
      const { port1, port2 } = fakeChannel();
      const a = messagePortEndpoint(port1, { transferBinary });
      const b = messagePortEndpoint(port2);
      const got: unknown[] = [];
      b.onMessage((d) => got.push(d));
      const frame = encodeBinaryEvent(3, 'zeile ü 字 😀\r\n');
      const size = frame.byteLength;
      a.sendBinary!(frame);
      await until('a binary frame', () => got.length === 1);
      expect(got[0]).toBeInstanceOf(ArrayBuffer);
      expect(decodeBinaryFrame(new Uint8Array(got[0] as ArrayBuffer))).toEqual({ ok: true, t: 'ev', id: 3, text: 'zeile ü 字 😀\r\n' });
      // Transferred: the sender's buffer is detached (no copy); copied: it is still there.
      expect(frame.byteLength).toBe(transferBinary ? 0 : size);
      a.close();
    }
  });

  it('carries terminal output over the port as binary frames, the same events as JSON would', async () => {
    const events: TerminalOutput[] = [
      { kind: 'data', data: 'ls\r\n\x1b[1;34mdir\x1b[0m  ü 😀\r\n' },
      { kind: 'title', title: 'ls' },
      { kind: 'data', data: 'y'.repeat(300_000) },
    ];
    const impl = {
      ...Object.fromEntries(Object.keys(terminalContract).map((k) => [k, () => null])),
      output: (_input: unknown, sink: { next(e: TerminalOutput): void }) => {
        setTimeout(() => events.forEach((e) => sink.next(e)), 1);
        return toDisposable(() => undefined);
      },
    };
    const routes = createRouter({ terminal: terminalContract }, { terminal: impl } as never);
    const { port1, port2 } = fakeChannel();
    const serverEnd = messagePortEndpoint(port1, { transferBinary: true });
    const wire: string[] = [];
    const clientEnd = messagePortEndpoint(port2);
    clientEnd.onMessage((d) => wire.push(typeof d === 'string' ? 'text' : d instanceof ArrayBuffer ? 'arraybuffer' : typeof d));
    const conn = serveConnection(serverEnd, routes, { connectionId: 'port-bin' });
    const client = createClient(clientEnd, { terminal: terminalContract });
    await client.ready;
    const got: TerminalOutput[] = [];
    const sub = client.api.terminal.output({ id: 'abc' }, { next: (e) => got.push(e) });
    await until('all events', () => got.length === events.length);
    expect(got).toEqual(events);
    expect(wire.slice(1)).toEqual(['arraybuffer', 'text', 'arraybuffer']);
    sub.dispose();
    client.dispose();
    conn.dispose();
  });

  it('serves system.ping and streams over the port, one connection per window', async () => {
    const log: string[] = [];
    const channels: { port1: FakePortMain; port2: FakePortMain }[] = [];
    const server = new PortServer<FakePortMain>({
      routes: services.routes,
      createChannel: () => {
        const c = fakeChannel();
        channels.push(c);
        return c;
      },
      name: 'window-1',
      log: (m) => log.push(m),
    });
    const delivered: FakePortMain[] = [];
    const id1 = server.connect((p) => delivered.push(p));
    expect(server.connectionId).toBe(id1);
    expect(delivered).toHaveLength(1);

    const client1 = createClient(pageEndpoint(delivered[0]!), appContract, { defaultTimeoutMs: 5000 });
    await client1.ready;
    expect(await client1.api.system.ping({ echo: 'hi' })).toMatchObject({ echo: 'hi' });
    const info = await client1.api.system.info(null);
    expect(info.transport).toBe('electron');
    const beats: number[] = [];
    client1.api.system.heartbeat({ intervalMs: 50 }, { next: (e) => beats.push(e.seq) });
    await until('heartbeats', () => beats.length >= 2);

    // The page reloads and asks again: a fresh port; the old connection is closed and freed.
    const id2 = server.connect((p) => delivered.push(p));
    expect(id2).not.toBe(id1);
    await until('the old port to close', () => channels[0]!.port1.closed && client1.isClosed);
    const count = beats.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(beats.length).toBe(count);

    const client2 = createClient(pageEndpoint(delivered[1]!), appContract, { defaultTimeoutMs: 5000 });
    await client2.ready;
    expect(await client2.api.system.ping({ echo: 'again' })).toMatchObject({ echo: 'again' });

    // The renderer goes away: the port closes and the server forgets the connection.
    client2.dispose();
    await until('the server to drop the connection', () => server.connectionId === null);
    expect(log.some((m) => m.includes(id2) && m.includes('closed'))).toBe(true);

    server.dispose();
    expect(() => server.connect(() => undefined)).toThrow(/disposed/);
  });

  it('closes the connection when delivering the port fails', () => {
    const channels: { port1: FakePortMain; port2: FakePortMain }[] = [];
    const server = new PortServer<FakePortMain>({
      routes: services.routes,
      createChannel: () => {
        const c = fakeChannel();
        channels.push(c);
        return c;
      },
      name: 'window-2',
    });
    expect(() =>
      server.connect(() => {
        throw new Error('window gone');
      }),
    ).toThrow('window gone');
    expect(server.connectionId).toBeNull();
    expect(channels[0]!.port1.closed).toBe(true);
    server.dispose();
  });
});
