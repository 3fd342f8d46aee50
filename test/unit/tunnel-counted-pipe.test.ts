import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countedPipe } from '../../main/tunnels/counted-pipe';

/** A socket-like duplex: `feed` is what it reads, `got` what was written to it. */
function endpoint(opts: { writeDelayTicks?: number } = {}) {
  const got: Buffer[] = [];
  const stream = new Duplex({
    allowHalfOpen: true,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk);
      // A slow writer: like an ssh2 channel waiting for window space.
      let n = opts.writeDelayTicks ?? 0;
      const next = () => (n-- > 0 ? setImmediate(next) : cb());
      next();
    },
  });
  return { stream, got, text: () => Buffer.concat(got).toString() };
}

const counters = () => {
  const c = { in: 0, out: 0 };
  return { c, counters: { addIn: (n: number) => (c.in += n), addOut: (n: number) => (c.out += n) } };
};

describe('countedPipe', () => {
  it('lets the remote side send everything when the local side closes cleanly first', async () => {
    const local = endpoint();
    const remote = endpoint({ writeDelayTicks: 20 });
    const { c, counters: k } = counters();
    const done = countedPipe(local.stream, remote.stream, k);
    const parts = Array.from({ length: 10 }, (_, i) => `part${i};`);
    for (const p of parts) local.stream.push(p);
    local.stream.push(null); // the client half-closes
    // The far end answers and ends at once, long before the slow remote writer is through:
    // the local socket then ends and closes while its upload is still queued on the remote side.
    remote.stream.push('reply');
    remote.stream.push(null);
    await done;
    expect(remote.text()).toBe(parts.join(''));
    expect(local.text()).toBe('reply');
    expect(c).toEqual({ out: parts.join('').length, in: 5 });
    expect(remote.stream.destroyed).toBe(true);
  });

  it('tears the remote side down at once when the local side aborts', async () => {
    const local = endpoint();
    const remote = endpoint({ writeDelayTicks: 1_000 });
    const done = countedPipe(local.stream, remote.stream, counters().counters);
    local.stream.push('queued');
    await new Promise((r) => setImmediate(r));
    local.stream.destroy(); // reset by the client: no clean end
    await done;
    expect(remote.stream.destroyed).toBe(true);
    expect(remote.stream.writableFinished).toBe(false);
  });

  it('ends the local side when the remote side closes, keeping what was already received', async () => {
    const local = endpoint();
    const remote = endpoint();
    const done = countedPipe(local.stream, remote.stream, counters().counters);
    remote.stream.push('bye');
    remote.stream.push(null);
    await new Promise((r) => setImmediate(r));
    remote.stream.destroy();
    local.stream.push(null);
    await done;
    expect(local.text()).toBe('bye');
    expect(local.stream.writableEnded).toBe(true);
  });
});
