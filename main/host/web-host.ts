import fs from 'node:fs';
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import WebSocket, { WebSocketServer } from 'ws';
import { systemClock } from '../contract/clock';
import { contentSecurityPolicy } from './content-security-policy';
import { AppError } from '../contract/errors';
import { DEFAULT_MAX_FRAME_CHARS } from '../contract/frames';
import type { Disposable } from '../contract/lifecycle';
import { serveConnection, type createRouter } from '../contract/rpc-server';
import { defaultStaticDir } from './package-root';
import { hasIndexHtml, lookupStatic } from './static-files';
import {
  allowedHostHeaders,
  authenticate,
  createToken,
  formatHostPort,
  hostHeaderAllowed,
  checkBindAddress,
  isWellFormedToken,
  isWildcardHost,
  originAllowed,
  tokenCookie,
} from './web-auth';
import { createWebSocketEndpoint } from './ws-endpoint';

export { checkBindAddress, type BindCheck } from './web-auth';

export type Routes = ReturnType<typeof createRouter>;

/** The path of the RPC WebSocket. */
export const RPC_PATH = '/rpc';

/**
 * Bytes a WebSocket message may have. The engine limits frames in UTF-16 code units; one unit is
 * at most 3 UTF-8 bytes, so 3x (plus slack) lets every frame the engine accepts through and lets
 * the engine itself answer FRAME_TOO_LARGE for most oversized ones. Beyond this, ws closes the
 * socket with 1009.
 */
export function wsMaxPayloadBytes(maxFrameChars: number): number {
  return maxFrameChars * 3 + 64 * 1024;
}

export interface WebHostOptions {
  /** From createServices(); every connection is served by these. */
  routes: Routes;
  /** The built renderer; default <package root>/dist/renderer. */
  staticDir?: string;
  /** An IP literal or "localhost". Default 127.0.0.1; anything not loopback needs allowRemote. */
  host?: string;
  /** Default 0: a random free port. */
  port?: number;
  allowRemote?: boolean;
  /** Default: 32 random bytes, base64url. */
  token?: string;
  maxFrameChars?: number;
  /** Ping every connection this often; one without a pong by the next round is dropped. */
  keepaliveMs?: number;
  /** Diagnostics (one line each); default stderr. Never stdout. */
  log?: (line: string) => void;
}

export interface WebHost extends Disposable {
  /** http://HOST:PORT/?token=TOKEN — what a user opens. */
  readonly url: string;
  /** http://HOST:PORT */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly staticDir: string;
  readonly connectionCount: number;
  /** Closes every WebSocket and the server; resolves when all is released. */
  close(): Promise<void>;
}

const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['Content-Security-Policy', contentSecurityPolicy()],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['X-Frame-Options', 'DENY'],
];

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function rejectUpgrade(socket: Duplex, status: number, body: string): void {
  const text = `${body}\n`;
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Cache-Control: no-store',
    ...SECURITY_HEADERS.map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const timer = systemClock.setTimeout(() => socket.destroy(), 1000, { background: true });
  socket.end(`${head}\r\n\r\n${text}`, () => {
    timer.dispose();
    socket.destroy();
  });
}

function splitUrl(rawUrl: string): { rawPath: string; query: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  return { rawPath, query };
}

/** Where to send the browser once the token moved into a cookie: same path, token removed. */
function redirectTarget(rawPath: string, query: URLSearchParams): string {
  const rest = new URLSearchParams(query);
  rest.delete('token');
  // One leading slash only, never a backslash: "//evil.example" must not become another host.
  const pathPart = `/${rawPath.replace(/^[/\\]+/, '')}`;
  const target = `${pathPart}${rest.size > 0 ? `?${rest.toString()}` : ''}`;
  return /^[\x21-\x7e]*$/.test(target) && !target.includes('\\') ? target : '/';
}

function externalAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.address.includes('%')) out.push(a.address);
    }
  }
  return out;
}

interface Connection {
  ws: WebSocket;
  alive: boolean;
  conn: Disposable;
}

/**
 * Serves the built renderer and the RPC WebSocket on a loopback address, behind a per-run token.
 * Every request and upgrade is checked: Host header (DNS rebinding), token (query, then cookie or
 * bearer), and for upgrades the Origin.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  const allowRemote = options.allowRemote ?? false;
  const bind = checkBindAddress(host, allowRemote);
  const token = options.token ?? createToken();
  if (!isWellFormedToken(token)) throw new AppError('INVALID_INPUT', 'the token must be 16 to 512 characters of A-Z a-z 0-9 _ -');
  const staticDir = path.resolve(options.staticDir ?? defaultStaticDir());
  const maxFrameChars = options.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
  const keepaliveMs = options.keepaliveMs ?? 20_000;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const routes = options.routes;

  let port = 0;
  let allowedHosts = new Set<string>();
  let closing = false;
  let closePromise: Promise<void> | undefined;
  let connectionSeq = 0;
  const connections = new Set<Connection>();

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: wsMaxPayloadBytes(maxFrameChars),
  });

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [k, v] of SECURITY_HEADERS) res.setHeader(k, v);
    if (!hostHeaderAllowed(req, allowedHosts)) {
      sendText(res, 403, 'Forbidden: this host does not answer to that Host header.\n');
      return;
    }
    const { rawPath, query } = splitUrl(req.url ?? '/');
    const auth = authenticate(req, query, token, port);
    if (!auth.ok) {
      sendText(res, 401, 'Unauthorized: open the URL printed by `drover serve`; it carries the token.\n', {
        'WWW-Authenticate': 'Bearer realm="drover"',
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed.\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (auth.source === 'query') {
      // Move the token into a cookie and out of the address bar (and out of history).
      res.setHeader('Set-Cookie', tokenCookie(port, token));
      sendText(res, 303, 'See other.\n', { Location: redirectTarget(rawPath, query) });
      return;
    }
    if (rawPath === RPC_PATH) {
      sendText(res, 426, 'This path speaks WebSocket only.\n', { Upgrade: 'websocket' });
      return;
    }
    if (!hasIndexHtml(staticDir)) {
      sendText(
        res,
        503,
        `Drover's web UI is not built: ${path.join(staticDir, 'index.html')} is missing.\n` +
          'Run `npm run build` (or start with `npm run serve`, which builds it) and reload this page.\n',
      );
      return;
    }
    const found = await lookupStatic(staticDir, rawPath);
    if (found.kind === 'bad-request') {
      sendText(res, 400, `Bad request: ${found.reason}.\n`);
      return;
    }
    if (found.kind === 'not-found') {
      sendText(res, 404, 'Not found.\n');
      return;
    }
    const isHtml = found.contentType.startsWith('text/html');
    res.writeHead(200, {
      'Content-Type': found.contentType,
      'Content-Length': String(found.size),
      'Cache-Control': isHtml ? 'no-store' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(fs.createReadStream(found.filePath), res);
  };

  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        sendText(res, 500, 'Internal error.\n');
        log(`web host: ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      } else {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });

  const onConnection = (ws: WebSocket) => {
    const connectionId = `web-${++connectionSeq}`;
    const endpoint = createWebSocketEndpoint(ws);
    const conn = serveConnection(endpoint, routes, {
      connectionId,
      maxFrameChars,
      onInternalError: (err, where) => log(`web host ${connectionId}: ${where}: ${err instanceof Error ? err.message : String(err)}`),
    });
    const entry: Connection = { ws, alive: true, conn };
    connections.add(entry);
    ws.on('pong', () => {
      entry.alive = true;
    });
    ws.once('close', () => {
      connections.delete(entry);
      conn.dispose();
    });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (closing) return rejectUpgrade(socket, 503, 'Drover is shutting down.');
    if (!hostHeaderAllowed(req, allowedHosts)) return rejectUpgrade(socket, 403, 'Forbidden: unexpected Host header.');
    const { rawPath, query } = splitUrl(req.url ?? '/');
    const auth = authenticate(req, query, token, port);
    if (!auth.ok) return rejectUpgrade(socket, 401, 'Unauthorized: missing or wrong token.');
    if (rawPath !== RPC_PATH) return rejectUpgrade(socket, 404, 'Not found.');
    if (!originAllowed(req, auth.source)) return rejectUpgrade(socket, 403, 'Forbidden: cross-origin WebSocket.');
    wss.handleUpgrade(req, socket, head, onConnection);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: options.port ?? 0, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    wss.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new AppError('PORT_IN_USE', `port ${options.port} on ${host} is already in use`, { cause: err });
    if (code === 'EADDRNOTAVAIL') throw new AppError('UNAVAILABLE', `cannot listen on ${host}: no such local address`, { cause: err });
    if (code === 'EACCES') throw new AppError('PERMISSION_DENIED', `not allowed to listen on ${host}:${options.port}`, { cause: err });
    throw AppError.from(err);
  }
  port = (server.address() as AddressInfo).port;
  allowedHosts = allowedHostHeaders(host, port, bind.remote && isWildcardHost(host) ? externalAddresses() : []);

  // A wildcard bind is still opened locally through loopback.
  const urlHost = isWildcardHost(host) ? (host.includes(':') ? '::1' : '127.0.0.1') : host;
  const origin = `http://${formatHostPort(urlHost, port)}`;
  const url = `${origin}/?token=${token}`;

  if (bind.warning) log(bind.warning);
  if (!hasIndexHtml(staticDir)) {
    log(`The web UI is not built (${path.join(staticDir, 'index.html')} is missing): run \`npm run build\`. Until then the page answers 503.`);
  }

  const keepalive = systemClock.setInterval(() => {
    for (const c of connections) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        c.ws.terminate();
      }
    }
  }, keepaliveMs, { background: true });

  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      keepalive.dispose();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all(
        [...connections].map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.ws.readyState === WebSocket.CLOSED) {
                resolve();
                return;
              }
              c.ws.once('close', () => resolve());
              const timer = systemClock.setTimeout(() => c.ws.terminate(), 1000, { background: true });
              c.ws.once('close', () => timer.dispose());
              c.ws.close(1001, 'Drover is shutting down');
            }),
        ),
      );
      for (const c of connections) c.conn.dispose();
      connections.clear();
      wss.close();
      await serverClosed;
    })();
    return closePromise;
  };

  return {
    url,
    origin,
    host,
    port,
    token,
    staticDir,
    get connectionCount() {
      return connections.size;
    },
    close,
    dispose: () => void close(),
  };
}
