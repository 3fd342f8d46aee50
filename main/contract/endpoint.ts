import type { Disposable } from './lifecycle';

/**
 * One end of a message transport carrying JSON text frames: a WebSocket, an Electron
 * MessagePort, or an in-memory pair in tests. The RPC engine only sees this.
 */
export interface FrameEndpoint {
  send(text: string): void;
  /** data is whatever arrived; the engine rejects anything that is not a string. */
  onMessage(listener: (data: unknown) => void): Disposable;
  onClose(listener: (reason: string) => void): Disposable;
  close(): void;
  /** Bytes queued for sending that the peer has not taken yet (where the transport can tell). */
  bufferedAmount?(): number;
}

/** An in-memory pair of endpoints, asynchronous like a real transport. */
export function createEndpointPair(): [FrameEndpoint, FrameEndpoint] {
  type Side = { msg: Set<(d: unknown) => void>; close: Set<(r: string) => void>; closed: boolean };
  const a: Side = { msg: new Set(), close: new Set(), closed: false };
  const b: Side = { msg: new Set(), close: new Set(), closed: false };
  const closeBoth = (reason: string) => {
    for (const side of [a, b]) {
      if (side.closed) continue;
      side.closed = true;
      for (const l of [...side.close]) l(reason);
    }
  };
  const make = (self: Side, peer: Side): FrameEndpoint => ({
    send(text) {
      if (self.closed) throw new Error('endpoint closed');
      queueMicrotask(() => {
        if (peer.closed) return;
        for (const l of [...peer.msg]) l(text);
      });
    },
    onMessage(l) {
      self.msg.add(l);
      return { dispose: () => self.msg.delete(l) };
    },
    onClose(l) {
      self.close.add(l);
      return { dispose: () => self.close.delete(l) };
    },
    close() {
      queueMicrotask(() => closeBoth('closed'));
    },
  });
  return [make(a, b), make(b, a)];
}
