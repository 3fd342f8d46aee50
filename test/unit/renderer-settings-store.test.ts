import { afterEach, describe, expect, it } from 'vitest';
import type { Sink } from '../../main/contract/define';
import { AppError } from '../../main/contract/errors';
import { Emitter, toDisposable } from '../../main/contract/lifecycle';
import { SettingsSchema, type Settings, type SettingsPatch } from '../../main/contract/settings';
import {
  createSettingsStore,
  selectLanguage,
  selectResolvedLanguage,
  selectResolvedTheme,
  selectTheme,
  type SettingsState,
  type SettingsStore,
  type SystemPreferences,
} from '../../renderer/src/stores/settings-store';
import { createToastStore, type ToastStore } from '../../renderer/src/stores/toast-store';
import { RendererLink, settle, until } from '../support/renderer-link';

type Ui = Settings['ui'];

function fakePrefs(init: { languages?: string[]; dark?: boolean; cache?: Partial<Ui> } = {}) {
  const changed = new Emitter<void>();
  const env = { languages: init.languages ?? ['en-US'], dark: init.dark ?? false };
  const cacheWrites: Ui[] = [];
  const prefs: SystemPreferences = {
    languages: () => env.languages,
    prefersDark: () => env.dark,
    onDidChange: (listener) => changed.event(listener),
    readCache: () => init.cache ?? {},
    writeCache: (ui) => cacheWrites.push({ ...ui }),
  };
  return { prefs, env, cacheWrites, fire: () => changed.fire() };
}

/** The settings service as the store sees it: the current settings first, then every change. */
function fakeSettingsService() {
  const sinks = new Set<Sink<Settings>>();
  const state = { settings: SettingsSchema.parse({ version: 1 }), updateError: null as AppError | null, updates: [] as SettingsPatch[] };
  const publish = () => {
    for (const s of sinks) s.next(structuredClone(state.settings));
  };
  const impl = {
    get: () => structuredClone(state.settings),
    update: (patch: SettingsPatch) => {
      state.updates.push(patch);
      if (state.updateError) throw state.updateError;
      state.settings = SettingsSchema.parse({ ...state.settings, ui: { ...state.settings.ui, ...patch.ui } });
      publish();
      return structuredClone(state.settings);
    },
    changes: (_input: null, sink: Sink<Settings>) => {
      sinks.add(sink);
      sink.next(structuredClone(state.settings));
      return toDisposable(() => sinks.delete(sink));
    },
  };
  /** A change made elsewhere (another window, the CLI). */
  const changeElsewhere = (ui: Partial<Ui>) => {
    state.settings = SettingsSchema.parse({ ...state.settings, ui: { ...state.settings.ui, ...ui } });
    publish();
  };
  return { state, impl, changeElsewhere, subscribers: () => sinks.size };
}

const withState = (s: Partial<SettingsState>): SettingsState =>
  ({ language: 'system', theme: 'system', systemLanguages: ['en-US'], systemDark: false, setLanguage: async () => undefined, setTheme: async () => undefined, ...s }) as SettingsState;

describe('settings store: selectors', () => {
  it('resolves system language and theme from the environment', () => {
    expect(selectResolvedLanguage(withState({ language: 'system', systemLanguages: ['zh-CN', 'en'] }))).toBe('zh-CN');
    expect(selectResolvedLanguage(withState({ language: 'system', systemLanguages: ['de-DE'] }))).toBe('en');
    expect(selectResolvedLanguage(withState({ language: 'zh-CN', systemLanguages: ['en-US'] }))).toBe('zh-CN');
    expect(selectResolvedTheme(withState({ theme: 'system', systemDark: true }))).toBe('dark');
    expect(selectResolvedTheme(withState({ theme: 'system', systemDark: false }))).toBe('light');
    expect(selectResolvedTheme(withState({ theme: 'dark', systemDark: false }))).toBe('dark');
    expect(selectLanguage(withState({ language: 'en' }))).toBe('en');
    expect(selectTheme(withState({ theme: 'light' }))).toBe('light');
  });
});

describe('settings store', () => {
  let fx: RendererLink;
  let toasts: ToastStore;
  let store: SettingsStore | undefined;
  afterEach(() => {
    store?.dispose();
    fx?.dispose();
  });

  async function setup(p = fakePrefs(), svc = fakeSettingsService(), open = true) {
    fx = new RendererLink({ settings: svc.impl });
    toasts = createToastStore();
    store = createSettingsStore({ api: fx.api, toasts, prefs: p.prefs });
    if (open) await fx.open();
    return { p, svc, store };
  }

  it('paints first from the local cache, then follows the service', async () => {
    const svc = fakeSettingsService();
    svc.state.settings = SettingsSchema.parse({ version: 1, ui: { language: 'en', theme: 'light' } });
    const { p, store } = await setup(fakePrefs({ cache: { language: 'zh-CN', theme: 'dark' } }), svc, false);
    expect(store.getState()).toMatchObject({ language: 'zh-CN', theme: 'dark' });
    await fx.open();
    await until('settings arrive', () => store.getState().language === 'en');
    expect(store.getState().theme).toBe('light');
    expect(p.cacheWrites.at(-1)).toEqual({ language: 'en', theme: 'light' });
  });

  it('changes a setting at once, saves it, and caches what the service saved', async () => {
    const { p, svc, store } = await setup();
    const saving = store.getState().setTheme('dark');
    expect(store.getState().theme).toBe('dark'); // before the service answers
    await saving;
    expect(svc.state.updates).toEqual([{ ui: { theme: 'dark' } }]);
    expect(svc.state.settings.ui.theme).toBe('dark');
    expect(p.cacheWrites.at(-1)).toEqual({ language: 'system', theme: 'dark' });
    expect(toasts.getState().queue).toEqual([]);
  });

  it('puts a change back when the service refuses it, and says so', async () => {
    const { p, svc, store } = await setup();
    svc.state.updateError = new AppError('PERMISSION_DENIED', 'settings.json is read-only');
    await store.getState().setLanguage('zh-CN');
    expect(store.getState().language).toBe('system');
    expect(p.cacheWrites.at(-1)).toEqual({ language: 'system', theme: 'system' });
    expect(toasts.getState().queue).toEqual([expect.objectContaining({ code: 'PERMISSION_DENIED', action: 'saveSettings' })]);
  });

  it('follows the environment when it changes (system language, dark mode)', async () => {
    const p = fakePrefs({ languages: ['en-US'], dark: false });
    const { store } = await setup(p);
    p.env.languages = ['zh-CN'];
    p.env.dark = true;
    p.fire();
    expect(store.getState()).toMatchObject({ systemLanguages: ['zh-CN'], systemDark: true });
    expect(selectResolvedLanguage(store.getState())).toBe('zh-CN');
    expect(selectResolvedTheme(store.getState())).toBe('dark');
  });

  it('on a lost link a change fails and is put back; once restored it shows what was changed elsewhere meanwhile', async () => {
    const { svc, store } = await setup();
    await until('subscribed', () => svc.subscribers() === 1);
    await fx.lose({ stayDown: true });

    const saving = store.getState().setTheme('dark');
    expect(store.getState().theme).toBe('dark');
    await fx.clock.advance(1_000); // waitForOpenMs: the call gives up
    await saving;
    expect(store.getState().theme).toBe('system');
    expect(toasts.getState().queue).toEqual([expect.objectContaining({ code: 'UNAVAILABLE', action: 'saveSettings' })]);

    // Another window changed the language while this page was cut off.
    svc.state.settings = SettingsSchema.parse({ version: 1, ui: { language: 'zh-CN', theme: 'light' } });
    await fx.restore();
    await until('fresh settings after the reconnect', () => store.getState().language === 'zh-CN');
    expect(store.getState().theme).toBe('light');
    expect(svc.subscribers()).toBe(1);

    // And it keeps following changes on the new connection.
    svc.changeElsewhere({ theme: 'dark' });
    await until('live change', () => store.getState().theme === 'dark');
  });

  it('disposing stops following the service and the environment', async () => {
    const p = fakePrefs();
    const { svc, store } = await setup(p);
    await until('subscribed', () => svc.subscribers() === 1);
    store.dispose();
    await settle();
    expect(svc.subscribers()).toBe(0);
    p.env.dark = true;
    p.fire();
    expect(store.getState().systemDark).toBe(false);
  });
});
