import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  broadcastTo,
  browserPrefsStorage,
  clamp,
  DEFAULT_PREFS,
  FONT_SIZE_RANGE,
  inputTargets,
  normalizePrefs,
  prefsForRequest,
  SCROLLBACK_RANGE,
  toggleBroadcastMark,
  viewAfterClose,
} from '../../renderer/src/features/terminal/terminal-view';

describe('terminal view: preferences', () => {
  it('fills in defaults for nothing or garbage', () => {
    expect(normalizePrefs(undefined)).toEqual(DEFAULT_PREFS);
    expect(normalizePrefs({})).toEqual(DEFAULT_PREFS);
    expect(normalizePrefs({ fontSize: Number.NaN, scrollback: Infinity, renderer: 'canvas', copyOnSelect: 'yes' } as never)).toEqual(DEFAULT_PREFS);
  });

  it('clamps and rounds numbers into their ranges', () => {
    expect(normalizePrefs({ fontSize: 2 }).fontSize).toBe(FONT_SIZE_RANGE.min);
    expect(normalizePrefs({ fontSize: 99 }).fontSize).toBe(FONT_SIZE_RANGE.max);
    expect(normalizePrefs({ fontSize: 14.6 }).fontSize).toBe(15);
    expect(normalizePrefs({ scrollback: 5 }).scrollback).toBe(SCROLLBACK_RANGE.min);
    expect(normalizePrefs({ scrollback: 10_000_000 }).scrollback).toBe(SCROLLBACK_RANGE.max);
    expect(clamp(-3.4, 0, 10)).toBe(0);
    expect(clamp(3.5, 0, 10)).toBe(4);
  });

  it('keeps valid choices, and reads the older `webgl: false` as the DOM renderer', () => {
    expect(normalizePrefs({ renderer: 'webgl', copyOnSelect: false })).toEqual({ ...DEFAULT_PREFS, renderer: 'webgl', copyOnSelect: false });
    expect(normalizePrefs({ webgl: false }).renderer).toBe('dom');
    expect(normalizePrefs({ webgl: true }).renderer).toBe('auto');
    expect(normalizePrefs({ renderer: 'auto', webgl: false }).renderer).toBe('auto');
  });

  it('turns font size keys into preference changes, and nothing else', () => {
    const prefs = { ...DEFAULT_PREFS, fontSize: 16 };
    expect(prefsForRequest(prefs, { kind: 'fontSize', delta: 1 })).toEqual({ fontSize: 17 });
    expect(prefsForRequest(prefs, { kind: 'fontSize', delta: -2 })).toEqual({ fontSize: 14 });
    expect(prefsForRequest(prefs, { kind: 'fontSizeReset' })).toEqual({ fontSize: DEFAULT_PREFS.fontSize });
    expect(prefsForRequest(prefs, { kind: 'toggleBroadcast' })).toBeNull();
    expect(prefsForRequest(prefs, { kind: 'find' })).toBeNull();
  });
});

describe('terminal view: active tab and broadcast', () => {
  const keys = ['t1', 't2', 't3'];

  it('closing the active tab activates the one that takes its place, else the one before', () => {
    expect(viewAfterClose({ activeKey: 't2', broadcast: null }, keys, 't2')).toEqual({ activeKey: 't3', broadcast: null });
    expect(viewAfterClose({ activeKey: 't3', broadcast: null }, keys, 't3')).toEqual({ activeKey: 't2', broadcast: null });
    expect(viewAfterClose({ activeKey: 't1', broadcast: null }, ['t1'], 't1')).toEqual({ activeKey: null, broadcast: null });
  });

  it('closing another tab keeps the active one', () => {
    expect(viewAfterClose({ activeKey: 't1', broadcast: null }, keys, 't3')).toEqual({ activeKey: 't1', broadcast: null });
  });

  it('a closed tab leaves the broadcast, which ends when nobody is left', () => {
    expect(viewAfterClose({ activeKey: 't1', broadcast: ['t1', 't2'] }, keys, 't2')).toEqual({ activeKey: 't1', broadcast: ['t1'] });
    expect(viewAfterClose({ activeKey: 't1', broadcast: ['t2'] }, keys, 't2')).toEqual({ activeKey: 't1', broadcast: null });
  });

  it('broadcasts to every running tab by default, or to the chosen ones that exist', () => {
    const tabs = [
      { key: 't1', status: 'running' },
      { key: 't2', status: 'exited' },
      { key: 't3', status: 'running' },
      { key: 't4', status: 'connecting' },
    ];
    expect(broadcastTo(tabs)).toEqual(['t1', 't3']);
    expect(broadcastTo(tabs, ['t2', 't4', 'gone'])).toEqual(['t2', 't4']);
    expect(broadcastTo([])).toEqual([]);
  });

  it('marks and unmarks a tab for broadcast', () => {
    expect(toggleBroadcastMark(null, 't1')).toEqual(['t1']);
    expect(toggleBroadcastMark(['t1'], 't2')).toEqual(['t1', 't2']);
    expect(toggleBroadcastMark(['t1', 't2'], 't1')).toEqual(['t2']);
  });

  it('sends what is typed to every broadcast tab only from a broadcast tab', () => {
    expect(inputTargets(null, 't1')).toEqual(['t1']);
    expect(inputTargets(['t1', 't2'], 't1')).toEqual(['t1', 't2']);
    expect(inputTargets(['t1', 't2'], 't3')).toEqual(['t3']);
  });
});

describe('terminal view: browser storage', () => {
  const entries = new Map<string, string>();
  let failWrites = false;
  beforeEach(() => {
    entries.clear();
    failWrites = false;
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => entries.get(k) ?? null,
      setItem: (k: string, v: string) => {
        if (failWrites) throw new Error('QuotaExceededError');
        entries.set(k, v);
      },
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('writes and reads preferences and recent hosts under one key', () => {
    const storage = browserPrefsStorage();
    expect(storage.read()).toEqual({});
    storage.write({ prefs: { ...DEFAULT_PREFS, fontSize: 20 }, recent: [] });
    expect(JSON.parse(entries.get('drover.terminal')!)).toEqual({ prefs: { ...DEFAULT_PREFS, fontSize: 20 }, recent: [] });
    expect(storage.read()).toEqual({ prefs: { ...DEFAULT_PREFS, fontSize: 20 }, recent: [] });
  });

  it('reads broken or odd contents as nothing stored, and survives a refused write', () => {
    const storage = browserPrefsStorage();
    for (const raw of ['{not json', 'null', '42', '"text"']) {
      entries.set('drover.terminal', raw);
      expect(storage.read(), raw).toEqual({});
    }
    failWrites = true;
    expect(() => storage.write({ prefs: DEFAULT_PREFS, recent: [] })).not.toThrow();
  });
});
