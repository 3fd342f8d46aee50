import { describe, expect, it } from 'vitest';
import type { CallOptions, Observer } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import type { TerminalOutput, TerminalSession, TerminalTarget } from '../../main/contract/terminal';
import {
  ACK_BATCH_CHARS,
  ACK_INTERVAL_MS,
  AckBatcher,
  INPUT_CHUNK_CHARS,
  TerminalAttachment,
  type AttachHost,
  type TerminalApi,
} from '../../renderer/src/features/terminal/terminal-attach';
import { DEFAULT_PREFS } from '../../renderer/src/features/terminal/terminal-view';
import { FakeTerminalScreen } from '../support/fake-terminal-screen';
import { flushMicrotasks, ManualClock } from '../support/manual-clock';

const TARGET: TerminalTarget = { kind: 'local' };
const session = (id: string, s: Partial<TerminalSession> = {}): TerminalSession => ({ id, title: 'local', host: 'local', kind: 'local', state: 'running', cols: 80, rows: 24, pid: 10, ...s });

interface PendingOpen {
  readonly input: { target: TerminalTarget; cols: number; rows: number };
  readonly signal: AbortSignal | undefined;
  resolve(s: TerminalSession): void;
  reject(err: unknown): void;
}

/** The terminal api as the attachment uses it: opens wait for the test; notifications are recorded. */
function fakeApi() {
  const opens: PendingOpen[] = [];
  const closes: string[] = [];
  const inputs: { id: string; data: string }[] = [];
  const resizes: { id: string; cols: number; rows: number }[] = [];
  const acks: { id: string; chars: number }[] = [];
  const outputs = new Map<string, Observer<TerminalOutput>>();
  const detached: string[] = [];
  const state = { down: false, closeError: null as AppError | null, ignoreAbort: false };
  const notify = <T>(list: T[], value: T) => {
    if (state.down) throw new AppError('UNAVAILABLE', 'not connected to the Drover service');
    list.push(value);
  };
  const api: TerminalApi = {
    open: (input, opts?: CallOptions) =>
      new Promise<TerminalSession>((resolve, reject) => {
        opens.push({ input: input as PendingOpen['input'], signal: opts?.signal, resolve, reject });
        if (!state.ignoreAbort) opts?.signal?.addEventListener('abort', () => reject(new AppError('CANCELLED', 'the operation was cancelled')));
      }),
    close: async ({ id }) => {
      closes.push(id);
      if (state.closeError) throw state.closeError;
      return null;
    },
    output: ({ id }, observer) => {
      outputs.set(id, observer);
      return {
        dispose: () => {
          detached.push(id);
          outputs.delete(id);
        },
      };
    },
    input: (v) => notify(inputs, v),
    resize: (v) => notify(resizes, v),
    ack: (v) => notify(acks, v),
  };
  return { api, opens, closes, inputs, resizes, acks, outputs, detached, state };
}

function fakeHost() {
  const events: string[] = [];
  const reports: { code: string; action: string }[] = [];
  const state = { running: false };
  const host: AttachHost = {
    connecting: () => events.push('connecting'),
    opened: (info) => {
      events.push(`opened ${info.id}`);
      state.running = info.state === 'running';
    },
    event: (e) => events.push(e.kind === 'title' ? `title ${e.title}` : `state ${e.session.state}`),
    openFailed: (err) => events.push(`openFailed ${err.code}`),
    streamEnded: (err) => events.push(`ended ${err?.code ?? 'ok'}`),
    report: (err, action) => reports.push({ code: AppError.from(err).code, action }),
    isRunning: () => state.running,
  };
  return { host, events, reports, state };
}

function setup() {
  const clock = new ManualClock();
  const api = fakeApi();
  const host = fakeHost();
  const screen = new FakeTerminalScreen('t1', DEFAULT_PREFS);
  const att = new TerminalAttachment(api.api, screen, host.host, clock);
  return { clock, api, host, screen, att };
}

async function opened(s: ReturnType<typeof setup>, id = 's-1') {
  const connecting = s.att.connect(TARGET);
  s.api.opens.at(-1)!.resolve(session(id));
  await connecting;
  return s.api.outputs.get(id)!;
}

describe('AckBatcher (flow control, page side)', () => {
  it(`acknowledges parsed characters at most every ${ACK_INTERVAL_MS} ms, in one batch`, async () => {
    const clock = new ManualClock();
    const sent: [string, number][] = [];
    const acks = new AckBatcher((id, chars) => sent.push([id, chars]), clock);
    acks.parsed('a', 10);
    acks.parsed('a', 20);
    expect(sent).toEqual([]);
    expect(acks.pendingChars).toBe(30);
    await clock.advance(ACK_INTERVAL_MS - 1);
    expect(sent).toEqual([]);
    await clock.advance(1);
    expect(sent).toEqual([['a', 30]]);
    expect(acks.pendingChars).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it(`acknowledges at once at ${ACK_BATCH_CHARS} characters`, async () => {
    const clock = new ManualClock();
    const sent: [string, number][] = [];
    const acks = new AckBatcher((id, chars) => sent.push([id, chars]), clock);
    acks.parsed('a', 100);
    acks.parsed('a', ACK_BATCH_CHARS);
    expect(sent).toEqual([['a', ACK_BATCH_CHARS + 100]]);
    expect(clock.pending).toBe(0);
  });

  it("flushes one session's characters before counting another's, and on flush/dispose", async () => {
    const clock = new ManualClock();
    const sent: [string, number][] = [];
    const acks = new AckBatcher((id, chars) => sent.push([id, chars]), clock);
    acks.parsed('a', 5);
    acks.parsed('b', 7);
    expect(sent).toEqual([['a', 5]]);
    acks.dispose();
    expect(sent).toEqual([
      ['a', 5],
      ['b', 7],
    ]);
    acks.flush();
    expect(sent).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });
});

describe('TerminalAttachment', () => {
  it('opens at the screen size, attaches to the output and writes it to the screen', async () => {
    const s = setup();
    s.screen.size = { cols: 120, rows: 40 };
    const out = await opened(s);
    expect(s.api.opens[0]!.input).toEqual({ target: TARGET, cols: 120, rows: 40 });
    expect(s.host.events).toEqual(['connecting', 'opened s-1']);
    expect(s.att.sessionId).toBe('s-1');
    expect(s.att.isOpening).toBe(false);

    out.next({ kind: 'data', data: 'hello ' });
    out.next({ kind: 'title', title: 'vim' });
    out.next({ kind: 'data', data: 'world' });
    out.next({ kind: 'state', session: session('s-1', { state: 'exited', exitCode: 0 }) });
    expect(s.screen.transcript()).toBe('hello world');
    expect(s.host.events.slice(2)).toEqual(['title vim', 'state exited']);
    out.end?.(undefined);
    expect(s.host.events.at(-1)).toBe('ended ok');
  });

  it('acknowledges only what the screen has parsed', async () => {
    const s = setup();
    s.screen.autoParse = false;
    const out = await opened(s);
    out.next({ kind: 'data', data: 'x'.repeat(1000) });
    out.next({ kind: 'data', data: 'y'.repeat(500) });
    await s.clock.advance(1_000);
    expect(s.api.acks).toEqual([]); // written, not parsed: the service keeps counting it as outstanding
    expect(s.screen.parse()).toBe(1500);
    await s.clock.advance(ACK_INTERVAL_MS);
    expect(s.api.acks).toEqual([{ id: 's-1', chars: 1500 }]);
  });

  it('a stream that ends with an error says so', async () => {
    const s = setup();
    const out = await opened(s);
    out.end?.(new AppError('NOT_FOUND', 'that terminal session is gone'));
    expect(s.host.events.at(-1)).toBe('ended NOT_FOUND');
  });

  it('a failed open is reported; a cancelled one is not', async () => {
    const s = setup();
    const first = s.att.connect(TARGET);
    s.api.opens[0]!.reject(new AppError('AUTH_FAILED', 'permission denied (publickey)'));
    await first;
    expect(s.host.events).toEqual(['connecting', 'openFailed AUTH_FAILED']);
    expect(s.host.reports).toEqual([{ code: 'AUTH_FAILED', action: 'openTerminal' }]);

    const second = s.att.connect(TARGET);
    expect(s.att.isOpening).toBe(true);
    s.att.cancelOpen();
    await second;
    expect(s.host.events.slice(2)).toEqual(['connecting', 'openFailed CANCELLED']);
    expect(s.host.reports).toHaveLength(1);
    expect(s.att.isOpening).toBe(false);
  });

  it('detach stops listening, acknowledges what was parsed and closes the session', async () => {
    const s = setup();
    const out = await opened(s);
    out.next({ kind: 'data', data: 'abc' });
    s.att.detach();
    expect(s.api.detached).toEqual(['s-1']);
    expect(s.api.acks).toEqual([{ id: 's-1', chars: 3 }]);
    expect(s.api.closes).toEqual(['s-1']);
    expect(s.att.sessionId).toBeNull();
    // Late events of the old session change nothing.
    out.next({ kind: 'data', data: 'late' });
    out.end?.(undefined);
    expect(s.screen.transcript()).toBe('abc');
    expect(s.host.events).toEqual(['connecting', 'opened s-1']);
    expect(s.clock.pending).toBe(0);
  });

  it('a session that opens after its tab moved on is closed, not shown', async () => {
    const s = setup();
    s.api.state.ignoreAbort = true; // the answer was already on its way
    const connecting = s.att.connect(TARGET);
    s.att.detach();
    s.api.opens[0]!.resolve(session('orphan'));
    await connecting;
    await flushMicrotasks();
    expect(s.api.closes).toEqual(['orphan']);
    expect(s.host.events).toEqual(['connecting']);
    expect(s.api.outputs.size).toBe(0);
  });

  it('a reconnect is a new session; only its events count', async () => {
    const s = setup();
    const first = await opened(s, 's-1');
    s.att.detach();
    const second = await opened(s, 's-2');
    first.next({ kind: 'data', data: 'old' });
    second.next({ kind: 'data', data: 'new' });
    expect(s.screen.transcript()).toBe('new');
    await s.clock.advance(ACK_INTERVAL_MS);
    expect(s.api.acks).toEqual([{ id: 's-2', chars: 3 }]);
  });

  it('closing a session the service already forgot is fine; other failures are reported', async () => {
    const s = setup();
    await opened(s, 's-1');
    s.api.state.closeError = new AppError('NOT_FOUND', 'gone');
    s.att.detach();
    await flushMicrotasks();
    expect(s.host.reports).toEqual([]);
    await opened(s, 's-2');
    s.api.state.closeError = new AppError('INTERNAL', 'kill failed');
    s.att.detach();
    await flushMicrotasks();
    expect(s.host.reports).toEqual([{ code: 'INTERNAL', action: 'closeTerminal' }]);
  });

  it('sends input and resizes only to a running session; a big paste goes in pieces', async () => {
    const s = setup();
    s.att.input('early');
    s.att.resize(100, 30);
    await opened(s);
    s.host.state.running = false;
    s.att.input('not running');
    s.att.resize(100, 30);
    expect(s.api.inputs).toEqual([]);
    expect(s.api.resizes).toEqual([]);

    s.host.state.running = true;
    const paste = 'p'.repeat(INPUT_CHUNK_CHARS * 2 + 5);
    s.att.input(paste);
    expect(s.api.inputs.map((i) => i.data.length)).toEqual([INPUT_CHUNK_CHARS, INPUT_CHUNK_CHARS, 5]);
    expect(s.api.inputs.map((i) => i.data).join('')).toBe(paste);
    s.att.resize(5000, 0.4);
    expect(s.api.resizes).toEqual([{ id: 's-1', cols: 1000, rows: 1 }]);
  });

  it('on a lost link input throws (the store reports it) while resizes and acks are dropped quietly', async () => {
    const s = setup();
    const out = await opened(s);
    s.api.state.down = true;
    expect(() => s.att.input('ls\r')).toThrow(/not connected/);
    expect(() => s.att.resize(90, 30)).not.toThrow();
    out.next({ kind: 'data', data: 'zzz' });
    await s.clock.advance(ACK_INTERVAL_MS);
    expect(s.api.acks).toEqual([]);
    s.api.state.down = false;
    out.next({ kind: 'data', data: 'after' });
    await s.clock.advance(ACK_INTERVAL_MS);
    expect(s.api.acks).toEqual([{ id: 's-1', chars: 5 }]);
  });

  it('sends the size again when the screen was laid out while the session opened', async () => {
    const s = setup();
    const connecting = s.att.connect(TARGET);
    s.screen.size = { cols: 132, rows: 43 };
    s.host.state.running = true;
    s.api.opens[0]!.resolve(session('s-1'));
    await connecting;
    expect(s.api.opens[0]!.input).toMatchObject({ cols: 80, rows: 24 });
    expect(s.api.resizes).toEqual([{ id: 's-1', cols: 132, rows: 43 }]);
  });
});
