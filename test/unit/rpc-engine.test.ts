import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContract, method, notification, stream } from '../../main/contract/define';
import type { FrameEndpoint } from '../../main/contract/endpoint';
import { AppError } from '../../main/contract/errors';
import { toDisposable } from '../../main/contract/lifecycle';
import { createRouter } from '../../main/contract/rpc-server';
import { createRpcPair } from '../support/rpc-pair';

const demo = defineContract({
  add: method({ input: z.object({ a: z.number(), b: z.number() }), output: z.object({ sum: z.number() }) }),
  slow: method({ input: z.object({ ms: z.number().int() }), output: z.null() }),
  broken: method({ input: z.null(), output: z.object({ n: z.number() }) }),
  fails: method({ input: z.null(), output: z.null() }),
  ticks: stream({ input: z.object({ count: z.number().int() }), event: z.object({ i: z.number() }) }),
  poke: notification({ input: z.object({ text: z.string().max(10) }) }),
});
const contract = { demo };

function setup(opts: { maxFrameChars?: number; maxInFlight?: number } = {}) {
  const state = { aborted: 0, disposed: 0, subscribed: 0, pokes: [] as string[] };
  const pair = createRpcPair(contract, {
    demo: {
      add: ({ a, b }) => ({ sum: a + b }),
      slow: ({ ms }, ctx) =>
        new Promise<null>((resolve, reject) => {
          const t = setTimeout(() => resolve(null), ms);
          ctx.signal.addEventListener('abort', () => {
            state.aborted++;
            clearTimeout(t);
            reject(new Error('aborted'));
          });
        }),
      broken: () => ({ n: 'not a number' }) as unknown as { n: number },
      fails: () => {
        throw new AppError('NOT_FOUND', 'no such thing', { hint: 'create it first' });
      },
      ticks: ({ count }, sink) => {
        state.subscribed++;
        let i = 0;
        const timer = setInterval(() => {
          sink.next({ i: i++ });
          if (i === count) sink.end();
        }, 5);
        return toDisposable(() => {
          state.disposed++;
          clearInterval(timer);
        });
      },
      poke: ({ text }) => {
        state.pokes.push(text);
      },
    },
  }, {
    serve: { connectionId: 'c1', maxFrameChars: opts.maxFrameChars, maxInFlight: opts.maxInFlight, onInternalError: () => undefined },
    client: { maxFrameChars: 10_000_000 },
  });
  return { state, client: pair.client, conn: pair.server, clientEnd: pair.clientEnd, serverEnd: pair.serverEnd };
}

/** Raw frames seen by the client side, for protocol-level tests. */
function recordFrames(ep: FrameEndpoint) {
  const frames: Array<Record<string, unknown>> = [];
  ep.onMessage((d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
  return frames;
}
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('RPC engine', () => {
  it('round-trips a typed method', async () => {
    const { client } = setup();
    await client.ready;
    await expect(client.api.demo.add({ a: 2, b: 40 })).resolves.toEqual({ sum: 42 });
  });

  it('returns errors as data with code, message and hint', async () => {
    const { client } = setup();
    const err = await client.api.demo.fails(null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'no such thing', hint: 'create it first' });
  });

  it('rejects invalid input with INVALID_INPUT naming the field', async () => {
    const { client } = setup();
    const err = (await client.api.demo.add({ a: 1, b: 'x' as unknown as number }).catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('b');
  });

  it('refuses a service result that breaks its output schema', async () => {
    const { client } = setup();
    await expect(client.api.demo.broken(null)).rejects.toMatchObject({ code: 'INVALID_OUTPUT' });
  });

  it('answers unknown methods, malformed JSON, bad frames and binary data, and keeps serving', async () => {
    const { client, clientEnd } = setup();
    await client.ready;
    const frames = recordFrames(clientEnd);
    clientEnd.send('{"t":"req","id":900,"m":"demo.nope","p":null}');
    clientEnd.send('{"t":"req","id":901,"m":"demo.add"'); // truncated JSON
    clientEnd.send('{"t":"req","id":902}'); // missing fields
    clientEnd.send('{"t":"zzz"}');
    clientEnd.send('[1,2,3]');
    clientEnd.send('null');
    (clientEnd as unknown as { send(d: unknown): void }).send(new Uint8Array([1, 2, 3]));
    await tick();
    expect(frames).toContainEqual(expect.objectContaining({ t: 'rej', id: 900, e: expect.objectContaining({ code: 'UNKNOWN_METHOD' }) }));
    expect(frames).toContainEqual(expect.objectContaining({ t: 'err', id: 901, e: expect.objectContaining({ code: 'BAD_FRAME' }) }));
    expect(frames).toContainEqual(expect.objectContaining({ t: 'err', id: 902, e: expect.objectContaining({ code: 'BAD_FRAME' }) }));
    expect(frames.filter((f) => f.t === 'err').length).toBeGreaterThanOrEqual(6);
    await expect(client.api.demo.add({ a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
  });

  it('refuses oversized frames with FRAME_TOO_LARGE and the caller gets it', async () => {
    const { client } = setup({ maxFrameChars: 1000 });
    const err = (await client.api.demo.add({ a: 1, b: 2, pad: 'x'.repeat(5000) } as unknown as { a: number; b: number }).catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('FRAME_TOO_LARGE');
    await expect(client.api.demo.add({ a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
  });

  it('survives a storm of random garbage', async () => {
    const { client, clientEnd } = setup();
    await client.ready;
    const pieces = ['{', '}', '"t"', ':', '"req"', ',', '"id"', '1', '-1', '1e400', '"m"', '"demo.add"', '"p"', 'null', '[', ']', '\u0000', '\ud800'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % pieces.length);
    for (let n = 0; n < 500; n++) {
      let s = '';
      for (let k = 0; k < 12; k++) s += pieces[rnd()];
      clientEnd.send(s);
    }
    await tick(50);
    await expect(client.api.demo.add({ a: 5, b: 5 })).resolves.toEqual({ sum: 10 });
  });

  it('cancels a call: the caller gets CANCELLED and the service sees its signal abort', async () => {
    const { client, state } = setup();
    const ctrl = new AbortController();
    const p = client.api.demo.slow({ ms: 10_000 }, { signal: ctrl.signal });
    await tick();
    ctrl.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await tick();
    expect(state.aborted).toBe(1);
  });

  it('times out a call and cancels it on the server', async () => {
    const { client, state } = setup();
    await expect(client.api.demo.slow({ ms: 10_000 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await tick();
    expect(state.aborted).toBe(1);
  });

  it('streams events, ends them, and disposes on unsubscribe', async () => {
    const { client, state } = setup();
    const got: number[] = [];
    await new Promise<void>((resolve, reject) => {
      client.api.demo.ticks({ count: 3 }, { next: (e) => got.push(e.i), end: (err) => (err ? reject(err) : resolve()) });
    });
    expect(got).toEqual([0, 1, 2]);
    expect(state.disposed).toBe(1);

    const sub = client.api.demo.ticks({ count: 1_000_000 }, { next: () => undefined });
    await tick(30);
    sub.dispose();
    await tick(30);
    expect(state.disposed).toBe(2);
  });

  it('frees subscriptions and aborts calls when the connection closes; the client reports UNAVAILABLE', async () => {
    const { client, state, clientEnd } = setup();
    const ends: Array<AppError | undefined> = [];
    client.api.demo.ticks({ count: 1_000_000 }, { next: () => undefined, end: (e) => ends.push(e) });
    client.api.demo.ticks({ count: 1_000_000 }, { next: () => undefined, end: (e) => ends.push(e) });
    const call = client.api.demo.slow({ ms: 10_000 });
    await tick(30);
    expect(state.subscribed).toBe(2);
    clientEnd.close();
    await expect(call).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await tick(30);
    expect(state.disposed).toBe(2);
    expect(state.aborted).toBe(1);
    expect(ends.map((e) => e?.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    await expect(client.api.demo.add({ a: 1, b: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('delivers notifications and reports a bad one as an error frame', async () => {
    const { client, clientEnd, state } = setup();
    await client.ready;
    const frames = recordFrames(clientEnd);
    client.api.demo.poke({ text: 'hi' });
    client.api.demo.poke({ text: 'much too long for it' });
    await tick();
    expect(state.pokes).toEqual(['hi']);
    expect(frames).toContainEqual(expect.objectContaining({ t: 'err', e: expect.objectContaining({ code: 'INVALID_INPUT' }) }));
  });

  it('limits calls in flight per connection', async () => {
    const { client } = setup({ maxInFlight: 2 });
    const a = client.api.demo.slow({ ms: 100 });
    const b = client.api.demo.slow({ ms: 100 });
    await expect(client.api.demo.slow({ ms: 100 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await Promise.all([a, b]);
  });

  it('refuses to start when an entry has no implementation', () => {
    expect(() => createRouter(contract, { demo: {} } as never)).toThrow(/no implementation for demo.add/);
  });
});

// ---- binary frames: text events (terminal output) as bytes, the rest as JSON ----

const Line = z.discriminatedUnion('kind', [z.object({ kind: z.literal('data'), data: z.string() }), z.object({ kind: z.literal('meta'), n: z.number() })]);
type LineEvent = z.infer<typeof Line>;
const textContract = {
  demo: defineContract({
    lines: stream({
      input: z.object({ events: z.array(z.unknown()) }),
      event: Line,
      text: { toText: (e: LineEvent) => (e.kind === 'data' && typeof e.data === 'string' ? e.data : undefined), fromText: (data: string): LineEvent => ({ kind: 'data', data }) },
    }),
    add: method({ input: z.object({ a: z.number(), b: z.number() }), output: z.object({ sum: z.number() }) }),
  }),
};
const textImpl = {
  demo: {
    lines: ({ events }: { events: unknown[] }, sink: { next(v: LineEvent): void; end(): void }) => {
      setTimeout(() => {
        for (const e of events) sink.next(e as LineEvent);
        sink.end();
      }, 1);
      return toDisposable(() => undefined);
    },
    add: ({ a, b }: { a: number; b: number }) => ({ sum: a + b }),
  },
};

function textSetup(opts: { textOnly?: boolean } = {}) {
  const protocolErrors: AppError[] = [];
  const pair = createRpcPair(textContract, textImpl, {
    serve: { connectionId: 'bin', onInternalError: () => undefined },
    client: { onProtocolError: (e) => protocolErrors.push(e) },
  });
  const wire: Array<'binary' | 'text'> = [];
  pair.clientEnd.onMessage((d) => wire.push(typeof d === 'string' ? 'text' : 'binary'));
  if (opts.textOnly) delete (pair.serverEnd as { sendBinary?: unknown }).sendBinary;
  return { ...pair, protocolErrors, wire };
}

function collectLines(client: ReturnType<typeof textSetup>['client'], events: unknown[]): Promise<{ got: LineEvent[]; err?: AppError }> {
  return new Promise((resolve) => {
    const got: LineEvent[] = [];
    client.api.demo.lines({ events }, { next: (e) => got.push(e), end: (err) => resolve({ got, err }) });
  });
}

describe('RPC engine: binary frames', () => {
  const events: LineEvent[] = [
    { kind: 'data', data: 'plain \r\n' },
    { kind: 'meta', n: 7 },
    { kind: 'data', data: 'héllo 😀 \u001b[31mred\u001b[0m "quoted" \\ \u0000' },
    { kind: 'data', data: '' },
  ];

  it('sends text events as binary frames and the others as JSON; the client sees the same events', async () => {
    const { client, wire, protocolErrors } = textSetup();
    await client.ready;
    wire.length = 0;
    const { got, err } = await collectLines(client, events);
    expect(err).toBeUndefined();
    expect(got).toEqual(events);
    // data, meta, data, data, end
    expect(wire).toEqual(['binary', 'text', 'binary', 'binary', 'text']);
    expect(protocolErrors).toEqual([]);
  });

  it('falls back to JSON where the transport carries text only', async () => {
    const { client, wire } = textSetup({ textOnly: true });
    await client.ready;
    wire.length = 0;
    const { got } = await collectLines(client, events);
    expect(got).toEqual(events);
    expect(wire.every((w) => w === 'text')).toBe(true);
  });

  it('still validates events that are not text: a broken one ends the stream with INVALID_OUTPUT', async () => {
    const { client } = textSetup();
    const { got, err } = await collectLines(client, [{ kind: 'data', data: 'ok' }, { kind: 'data', data: 5 }]);
    expect(got).toEqual([{ kind: 'data', data: 'ok' }]);
    expect(err?.code).toBe('INVALID_OUTPUT');
  });

  it('reports malformed binary frames from the server clearly and keeps the connection', async () => {
    const { client, serverEnd, protocolErrors } = textSetup();
    await client.ready;
    const sub = client.api.demo.lines({ events: [] }, { next: () => undefined });
    const frame = (bytes: number[]) => serverEnd.sendBinary!(new Uint8Array(bytes));
    frame([1, 1, 0]); // shorter than the header
    frame([9, 1, 0, 0, 0, 0, 0, 1, 65]); // unknown type
    frame([1, 7, 0, 0, 0, 0, 0, 1, 65]); // unknown version
    frame([1, 1, 5, 0, 0, 0, 0, 1, 65]); // reserved bytes set
    frame([1, 1, 0, 0, 0, 0, 3, 0xe8, 65]); // a stream nobody opened (id 1000)
    await tick();
    const messages = protocolErrors.map((e) => `${e.code}: ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^BAD_FRAME: .*binary frame of 3 bytes is shorter than its 8-byte header/),
      expect.stringMatching(/^BAD_FRAME: .*unknown type 9/),
      expect.stringMatching(/^BAD_FRAME: .*version 7/),
      expect.stringMatching(/^BAD_FRAME: .*reserved/),
      expect.stringMatching(/^BAD_FRAME: .*unknown stream \(id 1000\)/),
    ]);
    expect(client.isClosed).toBe(false);
    await expect(client.api.demo.add({ a: 20, b: 22 })).resolves.toEqual({ sum: 42 });
    sub.dispose();
  });

  it('answers a binary frame from a client with BAD_FRAME and keeps serving', async () => {
    const { client, clientEnd } = textSetup();
    await client.ready;
    const errs: unknown[] = [];
    clientEnd.onMessage((d) => {
      if (typeof d === 'string') errs.push(JSON.parse(d));
    });
    clientEnd.sendBinary!(new Uint8Array([1, 1, 0, 0, 0, 0, 0, 1, 65]));
    await tick();
    expect(errs).toContainEqual(expect.objectContaining({ t: 'err', e: expect.objectContaining({ code: 'BAD_FRAME', message: expect.stringContaining('binary frame of 9 bytes from a client') }) }));
    await expect(client.api.demo.add({ a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
  });
});
