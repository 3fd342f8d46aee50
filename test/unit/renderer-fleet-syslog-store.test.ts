import { describe, expect, it, vi } from 'vitest';
import type { Observer } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import type { SyslogFilter, SyslogMessage, SyslogTailEvent } from '../../main/contract/fleet';
import type { AppApi } from '../../main/contract/index';
import { toDisposable } from '../../main/contract/lifecycle';
import { createSyslogStore, MAX_VIEW, toServiceFilter } from '../../renderer/src/features/fleet/syslog-store';
import { createToastStore } from '../../renderer/src/stores/toast-store';

// The live log view's store: a tail with the filter sent to the service, pause / resume, follow,
// gaps, paging back, and errors (a refused regex stays in the view; a lost stream is a toast).

function msg(seq: number, text = `line ${seq}`, severity: number | null = 6): SyslogMessage {
  return {
    seq,
    receivedAtMs: 1000 + seq,
    sender: { address: '10.30.5.46', port: 514, transport: 'udp' },
    facility: 16,
    severity,
    timestamp: null,
    timestampMs: null,
    hostname: 'rig-07',
    app: 'gpuwatch',
    procid: null,
    msgid: null,
    structuredData: [],
    message: text,
    format: 'rfc3164',
    raw: text,
    truncated: false,
  };
}

function harness() {
  const tails: { input: { filter: SyslogFilter; limit: number }; observer: Observer<SyslogTailEvent>; disposed: boolean }[] = [];
  const fleet = {
    syslogTail: (input: { filter: SyslogFilter; limit: number }, observer: Observer<SyslogTailEvent>) => {
      const t = { input, observer, disposed: false };
      tails.push(t);
      return toDisposable(() => (t.disposed = true));
    },
    syslogPage: vi.fn(async ({ beforeSeq }: { beforeSeq: number }) => ({ messages: [msg(beforeSeq - 2), msg(beforeSeq - 1)], more: false })),
    syslogExport: vi.fn(async () => {
      throw new AppError('INVALID_INPUT', '"x.txt" is not an absolute path');
    }),
  };
  const toasts = createToastStore();
  const store = createSyslogStore({ api: { fleet } as unknown as AppApi, toasts, debounceMs: 0 });
  return { store, tails, toasts, fleet, last: () => tails[tails.length - 1]! };
}

describe('syslog store (renderer)', () => {
  it('subscribes only while open, shows the newest lines, then appends', () => {
    const h = harness();
    expect(h.tails).toHaveLength(0);
    h.store.getState().start();
    expect(h.tails).toHaveLength(1);
    expect(h.store.getState().loading).toBe(true);
    h.last().observer.next({ t: 'start', messages: [msg(1), msg(2)], more: true, nextSeq: 3 });
    h.last().observer.next({ t: 'append', messages: [msg(3)], nextSeq: 4 });
    const s = h.store.getState();
    expect(s.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(s).toMatchObject({ loading: false, more: true, follow: true });
    h.store.getState().stop();
    expect(h.last().disposed).toBe(true);
  });

  it('sends the filter to the service and starts over when it changes; frames of the old tail are ignored', () => {
    const h = harness();
    h.store.getState().start();
    const first = h.last();
    first.observer.next({ t: 'start', messages: [msg(1)], more: false, nextSeq: 2 });
    h.store.getState().setFilter({ minSeverity: 3, host: ' rig-07 ', text: 'temp=' });
    expect(first.disposed).toBe(true);
    expect(h.last().input).toEqual({ filter: { minSeverity: 3, host: 'rig-07', text: 'temp=' }, limit: 500 });
    expect(h.store.getState().messages).toEqual([]);
    first.observer.next({ t: 'append', messages: [msg(9)], nextSeq: 10 });
    expect(h.store.getState().messages).toEqual([]);
    expect(toServiceFilter({ host: '', minSeverity: null, text: 'a+', regex: true })).toEqual({ text: 'a+', regex: true });
  });

  it('holds new lines while paused and shows them on resume; keeps the view bounded', () => {
    const h = harness();
    h.store.getState().start();
    h.last().observer.next({ t: 'start', messages: [msg(1)], more: false, nextSeq: 2 });
    h.store.getState().pause();
    expect(h.store.getState().follow).toBe(false);
    h.last().observer.next({ t: 'append', messages: [msg(2), msg(3)], nextSeq: 4 });
    expect(h.store.getState()).toMatchObject({ held: 2 });
    expect(h.store.getState().messages).toHaveLength(1);
    h.store.getState().resume();
    expect(h.store.getState()).toMatchObject({ held: 0, paused: false, follow: true });
    expect(h.store.getState().messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    const many = Array.from({ length: MAX_VIEW + 10 }, (_, i) => msg(100 + i));
    h.last().observer.next({ t: 'append', messages: many, nextSeq: 100 + many.length });
    expect(h.store.getState().messages).toHaveLength(MAX_VIEW);
    expect(h.store.getState().messages.at(-1)!.seq).toBe(100 + many.length - 1);
    expect(h.store.getState().more).toBe(true);
  });

  it('counts a gap (a slow connection) and pages back through older lines', async () => {
    const h = harness();
    h.store.getState().start();
    h.last().observer.next({ t: 'start', messages: [msg(50), msg(51)], more: true, nextSeq: 52 });
    h.last().observer.next({ t: 'gap', fromSeq: 52, toSeq: 70, count: 19 });
    expect(h.store.getState().skipped).toBe(19);
    await h.store.getState().loadOlder();
    expect(h.fleet.syslogPage).toHaveBeenCalledWith({ filter: {}, beforeSeq: 50, limit: 500 });
    expect(h.store.getState().messages.map((m) => m.seq)).toEqual([48, 49, 50, 51]);
    expect(h.store.getState()).toMatchObject({ more: false, follow: false, loadingOlder: false });
  });

  it('shows a refused filter in the view, and a lost stream as a toast too', async () => {
    const h = harness();
    h.store.getState().start();
    h.last().observer.end!(new AppError('INVALID_INPUT', 'the search pattern is not allowed: backreferences are not allowed'));
    expect(h.store.getState().error?.message).toContain('not allowed');
    expect(h.toasts.getState().queue).toEqual([]);
    h.store.getState().setFilter({ text: 'ok' });
    expect(h.store.getState().error).toBeNull();
    h.last().observer.end!(new AppError('UNAVAILABLE', 'the connection closed'));
    expect(h.toasts.getState().queue).toMatchObject([{ code: 'UNAVAILABLE', action: 'fleetWatchSyslog' }]);
    const r = await h.store.getState().exportTo('x.txt', 'text');
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
