import type { AppApi } from '@contract/index';
import { DisposableStore, toDisposable, type Disposable } from '@contract/lifecycle';
import type { Language as UiLanguage, Settings, Theme as UiTheme } from '@contract/settings';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { resolveLanguage, type ResolvedLanguage } from '../i18n/i18n';
import type { ToastStore } from './toast-store';

export type { UiLanguage, UiTheme };
export type ResolvedTheme = Exclude<UiTheme, 'system'>;

export interface SettingsState {
  readonly language: UiLanguage;
  readonly theme: UiTheme;
  /** What 'system' means right now. */
  readonly systemLanguages: readonly string[];
  readonly systemDark: boolean;
  setLanguage(language: UiLanguage): Promise<void>;
  setTheme(theme: UiTheme): Promise<void>;
}

export type SettingsStore = StoreApi<SettingsState> & Disposable;

/** The environment's preferences and a cache for the first paint; injectable for tests. */
export interface SystemPreferences {
  languages(): readonly string[];
  prefersDark(): boolean;
  onDidChange(listener: () => void): Disposable;
  readCache(): Partial<Pick<Settings['ui'], 'language' | 'theme'>>;
  writeCache(ui: Pick<Settings['ui'], 'language' | 'theme'>): void;
}

const CACHE_KEY = 'drover.ui';
const LANGUAGE_VALUES: readonly UiLanguage[] = ['system', 'en', 'zh-CN'];
const THEME_VALUES: readonly UiTheme[] = ['system', 'light', 'dark'];

export function browserPreferences(): SystemPreferences {
  const dark = window.matchMedia('(prefers-color-scheme: dark)');
  return {
    languages: () => (navigator.languages.length ? navigator.languages : [navigator.language]),
    prefersDark: () => dark.matches,
    onDidChange(listener) {
      dark.addEventListener('change', listener);
      window.addEventListener('languagechange', listener);
      return toDisposable(() => {
        dark.removeEventListener('change', listener);
        window.removeEventListener('languagechange', listener);
      });
    },
    readCache() {
      try {
        const raw = JSON.parse(localStorage.getItem(CACHE_KEY) ?? '{}') as { language?: unknown; theme?: unknown };
        return {
          language: LANGUAGE_VALUES.find((v) => v === raw.language),
          theme: THEME_VALUES.find((v) => v === raw.theme),
        };
      } catch {
        return {};
      }
    },
    writeCache(ui) {
      try {
        localStorage.setItem(CACHE_KEY, JSON.stringify({ language: ui.language, theme: ui.theme }));
      } catch {
        /* storage disabled: the choice lasts for this page only */
      }
    },
  };
}

/**
 * Language and theme, read from and written to settings.json through the settings service (and
 * following changes made in other windows). The last values are cached locally so that the first
 * paint, before the connection is up, already has the right language and theme.
 */
export function createSettingsStore(deps: { api: AppApi; toasts: ToastStore; prefs?: SystemPreferences }): SettingsStore {
  const prefs = deps.prefs ?? browserPreferences();
  const remote = deps.api.settings;
  const disposables = new DisposableStore();
  const cached = prefs.readCache();

  const store = createStore<SettingsState>()((set, get) => {
    const change = async (patch: Partial<Pick<SettingsState, 'language' | 'theme'>>) => {
      const before = { language: get().language, theme: get().theme };
      const next = { ...before, ...patch };
      set(patch);
      prefs.writeCache(next);
      try {
        const saved = await remote.update({ ui: patch });
        set({ language: saved.ui.language, theme: saved.ui.theme });
        prefs.writeCache(saved.ui);
      } catch (err) {
        set(before);
        prefs.writeCache(before);
        deps.toasts.getState().reportError(err, 'saveSettings');
      }
    };
    return {
      language: cached.language ?? 'system',
      theme: cached.theme ?? 'system',
      systemLanguages: prefs.languages(),
      systemDark: prefs.prefersDark(),
      setLanguage: (language) => change({ language }),
      setTheme: (theme) => change({ theme }),
    };
  });

  disposables.add(prefs.onDidChange(() => store.setState({ systemLanguages: prefs.languages(), systemDark: prefs.prefersDark() })));
  // The current settings first, then every change (also those made in another window).
  disposables.add(
    remote.changes(null, {
      next: (settings) => {
        store.setState({ language: settings.ui.language, theme: settings.ui.theme });
        prefs.writeCache(settings.ui);
      },
      end: (err) => {
        if (err) deps.toasts.getState().reportError(err, 'watchSettings');
      },
    }),
  );

  return Object.assign(store, { dispose: () => disposables.dispose() });
}

export const selectLanguage = (s: SettingsState): UiLanguage => s.language;
export const selectTheme = (s: SettingsState): UiTheme => s.theme;
export const selectResolvedLanguage = (s: SettingsState): ResolvedLanguage => resolveLanguage(s.language, s.systemLanguages);
export const selectResolvedTheme = (s: SettingsState): ResolvedTheme => (s.theme === 'system' ? (s.systemDark ? 'dark' : 'light') : s.theme);
