import type { Disposable } from './lifecycle';

/**
 * One end of a message transport carrying JSON text frames, and binary frames where it can (see
 * frames.ts): a WebSocket, an Electron MessagePort, or an in-memory pair in tests. The RPC engine
 * only sees this.
 */
export interface FrameEndpoint {
  send(text: string): void;
  /**
   * Sends one binary frame (the bytes are the endpoint's from now on: a MessagePort may transfer
   * them). Absent where the transport carries text only; the engine then sends JSON.
   */
  sendBinary?(bytes: Uint8Array): void;
  /** data is whatever arrived: a string, or the bytes of a binary frame (Buffer, Uint8Array, ArrayBuffer). */
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
  const deliver = (self: Side, peer: Side, data: unknown) => {
    if (self.closed) throw new Error('endpoint closed');
    queueMicrotask(() => {
      if (peer.closed) return;
      for (const l of [...peer.msg]) l(data);
    });
  };
  const make = (self: Side, peer: Side): FrameEndpoint => ({
    send: (text) => deliver(self, peer, text),
    sendBinary: (bytes) => deliver(self, peer, bytes),
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
