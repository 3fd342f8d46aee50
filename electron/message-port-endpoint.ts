/**
 * Adapts Electron's MessagePortMain to the RPC engine's FrameEndpoint: JSON text frames both
 * ways, and binary frames (terminal output) as an ArrayBuffer that holds exactly the frame; the
 * port's 'close' event (the page reloaded, closed, or its renderer died) ends the
 * connection. No runtime Electron dependency: the port is typed structurally, so tests can pass
 * a fake.
 */
import type { FrameEndpoint } from '../main/contract/endpoint';
import { toDisposable, type Disposable } from '../main/contract/lifecycle';

/** What a message on a MessagePortMain looks like (Electron.MessageEvent). */
export interface PortMessageEvent {
  data: unknown;
  ports: ReadonlyArray<{ close(): void }>;
}

/** The subset of Electron's MessagePortMain the adapter uses. */
export interface MessagePortLike {
  on(event: 'message', listener: (messageEvent: PortMessageEvent) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (messageEvent: PortMessageEvent) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  /** Electron's MessagePortMain transfers ports only; Node's and the page's MessagePort also ArrayBuffers. */
  postMessage(message: unknown, transfer?: unknown[]): void;
  start(): void;
  close(): void;
}

export interface MessagePortEndpointOptions {
  /**
   * Transfer a binary frame's ArrayBuffer instead of copying it: for ports that take ArrayBuffers
   * in their transfer list (Node's MessagePort, the page's). Electron's MessagePortMain takes only
   * ports there, so in the main process the buffer is copied once by the structured clone.
   */
  transferBinary?: boolean;
}

/** The frame's own ArrayBuffer when the view covers all of it (what encodeBinaryEvent makes), else a copy. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const buf = bytes.buffer;
  if (buf instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength) return buf;
  return bytes.slice().buffer as ArrayBuffer;
}

export function messagePortEndpoint(port: MessagePortLike, options: MessagePortEndpointOptions = {}): FrameEndpoint {
  const messageListeners = new Set<(data: unknown) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  let closed = false;
  let started = false;

  const onPortMessage = (event: PortMessageEvent) => {
    // Frames are text; a page that transfers ports along gets them closed, never kept.
    for (const extra of event.ports ?? []) {
      try {
        extra.close();
      } catch {}
    }
    if (closed) return;
    for (const l of [...messageListeners]) l(event.data);
  };

  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    port.off('message', onPortMessage);
    port.off('close', onPortClose);
    for (const l of [...closeListeners]) l(reason);
    closeListeners.clear();
    messageListeners.clear();
  };

  const onPortClose = () => finish('message port closed by the renderer');

  port.on('message', onPortMessage);
  port.on('close', onPortClose);

  return {
    send(text: string) {
      if (closed) throw new Error('message port endpoint is closed');
      port.postMessage(text);
    },
    sendBinary(bytes: Uint8Array) {
      if (closed) throw new Error('message port endpoint is closed');
      const buf = ownBuffer(bytes);
      if (options.transferBinary) port.postMessage(buf, [buf]);
      else port.postMessage(buf);
    },
    onMessage(listener): Disposable {
      messageListeners.add(listener);
      // Messages queue on the port until start(); start once somebody listens.
      if (!started && !closed) {
        started = true;
        port.start();
      }
      return toDisposable(() => messageListeners.delete(listener));
    },
    onClose(listener): Disposable {
      if (closed) {
        queueMicrotask(() => listener('message port endpoint is closed'));
        return toDisposable(() => undefined);
      }
      closeListeners.add(listener);
      return toDisposable(() => closeListeners.delete(listener));
    },
    close() {
      if (closed) return;
      try {
        port.close();
      } catch {}
      finish('closed');
    },
  };
}
