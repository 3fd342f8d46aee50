import { AppError } from '@contract/errors';
import type { FrameEndpoint } from '@contract/endpoint';
import { toDisposable } from '@contract/lifecycle';

/**
 * The one place that knows how the renderer reaches the services. Everything above this file
 * sees a FrameEndpoint carrying JSON text frames (and, from the services, binary frames of
 * terminal output as ArrayBuffers), whichever transport is underneath.
 *
 * - Electron (page served from app://): the page asks for a port with a window message; the
 *   preload answers with a window message whose data is 'drover:port' and whose first transferred
 *   port is one end of a MessageChannel owned by the main process.
 * - Web (`drover serve`): a WebSocket to /rpc on the page's own host. The host authenticates with
 *   an HttpOnly cookie it set when the page was opened with ?token=; the token is passed along too.
 */
export type TransportKind = 'electron' | 'web';

export function transportKind(loc: Location = window.location): TransportKind {
  return loc.protocol === 'app:' ? 'electron' : 'web';
}

export interface OpenEndpointOptions {
  /** How long to wait for the transport to open (or the port to arrive). */
  timeoutMs: number;
}

/**
 * Opens one endpoint over the transport of this page. Rejects with UNAUTHENTICATED when the web
 * host refuses our credentials (the user has to reopen the printed URL), UNAVAILABLE otherwise.
 * Errors carry no English hint: the UI shows the translated one for the code.
 */
export function openEndpoint(kind: TransportKind, options: OpenEndpointOptions): Promise<FrameEndpoint> {
  return kind === 'electron' ? openPortEndpoint(options) : openSocketEndpoint(options);
}

// ---- Electron: MessagePort ----

const WANT_PORT = 'drover:want-port';
const PORT_MESSAGE = 'drover:port';

function openPortEndpoint({ timeoutMs }: OpenEndpointOptions): Promise<FrameEndpoint> {
  return new Promise((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      if (event.source !== window || event.data !== PORT_MESSAGE) return;
      const port = event.ports[0];
      if (!port) return;
      cleanup();
      resolve(portEndpoint(port));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new AppError('UNAVAILABLE', `no message port from the Drover main process within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
    };
    window.addEventListener('message', onMessage);
    window.postMessage(WANT_PORT, '*');
  });
}

function portEndpoint(port: MessagePort): FrameEndpoint {
  const messageListeners = new Set<(data: unknown) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  let closed = false;
  const fireClose = (reason: string) => {
    if (closed) return;
    closed = true;
    port.onmessage = null;
    for (const l of [...closeListeners]) l(reason);
  };
  port.onmessage = (event: MessageEvent) => {
    for (const l of [...messageListeners]) l(event.data);
  };
  // Chromium fires 'close' on a MessagePort when its entangled peer goes away (main reloaded,
  // window's port garbage collected on the other side).
  port.addEventListener('close', () => fireClose('message port closed by the main process'));
  port.start();
  return {
    send(text) {
      if (closed) throw new AppError('UNAVAILABLE', 'the message port is closed');
      port.postMessage(text);
    },
    onMessage(l) {
      messageListeners.add(l);
      return toDisposable(() => messageListeners.delete(l));
    },
    onClose(l) {
      closeListeners.add(l);
      return toDisposable(() => closeListeners.delete(l));
    },
    close() {
      port.close();
      fireClose('closed');
    },
  };
}

// ---- Web: WebSocket ----

/** Close codes a web host may use to say "your credentials are not accepted". */
const UNAUTHORIZED_CLOSE_CODES = new Set([1008, 4401, 4403]);

function socketUrl(loc: Location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const token = new URLSearchParams(loc.search).get('token');
  return `${scheme}://${loc.host}/rpc${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

function unauthorized(detail: string): AppError {
  return new AppError('UNAUTHENTICATED', `the Drover web host refused this page's credentials (${detail})`);
}

/**
 * A browser hides the HTTP status of a failed WebSocket handshake, so after a failure we ask the
 * host for the page itself with the same cookie: 401/403 means our credentials are refused; a
 * network error means the host is gone.
 */
async function probeAuth(loc: Location): Promise<'unauthorized' | 'ok' | 'unreachable'> {
  try {
    const url = new URL(loc.href);
    url.hash = '';
    const res = await fetch(url, { method: 'GET', cache: 'no-store', credentials: 'same-origin', redirect: 'manual' });
    void res.body?.cancel();
    return res.status === 401 || res.status === 403 ? 'unauthorized' : 'ok';
  } catch {
    return 'unreachable';
  }
}

function openSocketEndpoint({ timeoutMs }: OpenEndpointOptions): Promise<FrameEndpoint> {
  const loc = window.location;
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(socketUrl(loc));
      ws.binaryType = 'arraybuffer';
    } catch (err) {
      reject(new AppError('UNAVAILABLE', `cannot open a WebSocket: ${String(err)}`));
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      ws.close();
      reject(new AppError('TIMEOUT', `the WebSocket to ${loc.host} did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.onopen = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(socketEndpoint(ws));
    };
    ws.onclose = (event) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (UNAUTHORIZED_CLOSE_CODES.has(event.code)) {
        reject(unauthorized(`close code ${event.code}`));
        return;
      }
      void probeAuth(loc).then((probe) => {
        if (probe === 'unauthorized') reject(unauthorized('HTTP 401'));
        else if (probe === 'unreachable') reject(new AppError('UNAVAILABLE', `nothing answers at ${loc.host}`, { details: { reason: 'unreachable' } }));
        else reject(new AppError('UNAVAILABLE', `cannot reach the Drover web host at ${loc.host}`));
      });
    };
  });
}

function socketEndpoint(ws: WebSocket): FrameEndpoint {
  const messageListeners = new Set<(data: unknown) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  let closed = false;
  // Binary frames as ArrayBuffers, read synchronously (a Blob would need an async read per frame).
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (event: MessageEvent) => {
    for (const l of [...messageListeners]) l(event.data);
  };
  ws.onclose = (event) => {
    if (closed) return;
    closed = true;
    const reason = UNAUTHORIZED_CLOSE_CODES.has(event.code)
      ? `unauthorized (close code ${event.code})`
      : `WebSocket closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`;
    for (const l of [...closeListeners]) l(reason);
  };
  return {
    send(text) {
      if (ws.readyState !== WebSocket.OPEN) throw new AppError('UNAVAILABLE', 'the WebSocket is not open');
      ws.send(text);
    },
    onMessage(l) {
      messageListeners.add(l);
      return toDisposable(() => messageListeners.delete(l));
    },
    onClose(l) {
      closeListeners.add(l);
      return toDisposable(() => closeListeners.delete(l));
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000, 'closed by the page');
    },
  };
}
