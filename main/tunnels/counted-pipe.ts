import { systemClock } from '../contract/clock';
import type { Duplex } from 'node:stream';

export interface PipeCounters {
  /** Bytes from the local side to the remote side. */
  addOut(n: number): void;
  /** Bytes from the remote side to the local side. */
  addIn(n: number): void;
}

/**
 * Joins a local socket and a remote channel both ways, preserving half-close (an end on one side
 * becomes an end on the other, and the other direction keeps flowing), counting bytes, and
 * tearing both down on an error. Resolves when both sides are closed. A local side that closes
 * after a clean end leaves the remote side open until it has sent everything it was given.
 */
export function countedPipe(local: Duplex, remote: Duplex, counters: PipeCounters): Promise<void> {
  return new Promise((resolve) => {
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) resolve();
    };
    local.on('data', (d: Buffer) => counters.addOut(d.length));
    remote.on('data', (d: Buffer) => counters.addIn(d.length));
    local.pipe(remote);
    remote.pipe(local);
    local.once('close', () => {
      // After a clean end, what the local side sent may still be queued on the remote side
      // (waiting for the SSH window); pipe() has ended the remote, so let that drain first.
      // Destroying it now would cut the stream short. After an abort, tear down at once.
      if (local.readableEnded && !remote.destroyed && !remote.writableFinished) remote.once('finish', () => remote.destroy());
      else remote.destroy();
      onClose();
    });
    remote.once('close', () => {
      // The remote side is gone; let what is buffered reach the client, then close.
      if (!local.destroyed) local.end();
      systemClock.setTimeout(() => local.destroy(), 2000, { background: true });
      onClose();
    });
    local.on('error', () => remote.destroy());
    remote.on('error', () => local.destroy());
  });
}
