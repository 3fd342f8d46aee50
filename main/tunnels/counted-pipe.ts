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
 * tearing both down on an error. Resolves when both sides are closed.
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
      remote.destroy();
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
