import WebSocket from 'ws';
import { systemClock } from '../contract/clock';
import type { FrameEndpoint } from '../contract/endpoint';
import { AppError } from '../contract/errors';
import { toDisposable, type Disposable } from '../contract/lifecycle';

export interface WebSocketEndpointOptions {
  /**
   * A peer that does not read: above this many bytes queued for sending the socket is closed
   * (code 1013) instead of buffering without bound. Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /** After close(), how long to wait for the closing handshake before dropping the socket. */
  closeTimeoutMs?: number;
}

export type WebSocketEndpoint = FrameEndpoint & Disposable;

function rawToBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Adapts a `ws` WebSocket (server or client side) to the engine's FrameEndpoint. Text frames are
 * delivered as strings; binary frames as a Buffer (stream data from a server; the server answers
 * a client's with BAD_FRAME).
 * Works from the CONNECTING state on, so no early frame is missed.
 */
export function createWebSocketEndpoint(ws: WebSocket, options: WebSocketEndpointOptions = {}): WebSocketEndpoint {
  const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  const closeTimeoutMs = options.closeTimeoutMs ?? 2000;
  const messageListeners = new Set<(data: unknown) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  let closed = false;
  let killTimer: Disposable | undefined;

  const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
    const buf = rawToBuffer(data);
    const payload: unknown = isBinary ? buf : buf.toString('utf8');
    for (const l of [...messageListeners]) l(payload);
  };
  const onClose = (code: number, reason: Buffer) => {
    if (closed) return;
    closed = true;
    detach();
    const text = `WebSocket closed (code ${code}${reason.length ? `: ${reason.toString('utf8')}` : ''})`;
    for (const l of [...closeListeners]) l(text);
    closeListeners.clear();
    messageListeners.clear();
  };
  // Errors are followed by 'close'; listening keeps them from crashing the process.
  const onError = () => undefined;
  const detach = () => {
    killTimer?.dispose();
    killTimer = undefined;
    ws.off('message', onMessage);
    ws.off('close', onClose);
  };
  ws.on('message', onMessage);
  ws.on('close', onClose);
  ws.on('error', onError);
  if (ws.readyState === WebSocket.CLOSED) queueMicrotask(() => onClose(1006, Buffer.alloc(0)));

  const close = (code = 1000, reason = 'closed') => {
    if (closed) return;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) {
      try {
        ws.close(code, reason);
      } catch {
        ws.terminate();
      }
    }
    if (!killTimer) {
      killTimer = systemClock.setTimeout(() => ws.terminate(), closeTimeoutMs, { background: true });
    }
  };

  const checkSendable = () => {
    if (closed || ws.readyState !== WebSocket.OPEN) throw new AppError('UNAVAILABLE', 'the WebSocket is not open');
    if (ws.bufferedAmount > maxBuffered) {
      close(1013, 'peer too slow: send buffer full');
      throw new AppError('UNAVAILABLE', `the peer does not read: more than ${maxBuffered} bytes queued`);
    }
  };

  return {
    send(text) {
      checkSendable();
      ws.send(text);
    },
    sendBinary(bytes) {
      checkSendable();
      ws.send(bytes, { binary: true });
    },
    onMessage(l) {
      messageListeners.add(l);
      return toDisposable(() => messageListeners.delete(l));
    },
    onClose(l) {
      closeListeners.add(l);
      return toDisposable(() => closeListeners.delete(l));
    },
    close: () => close(),
    dispose: () => close(),
    bufferedAmount: () => ws.bufferedAmount,
  };
}
