import type { Disposable } from '@contract/lifecycle';
import type { i18n as I18n } from 'i18next';
import { selectResolvedLanguage, type SettingsStore } from '../stores/settings-store';

/**
 * Keeps i18next on the language the settings resolve to (and <html lang> with it), outside
 * React, so every component re-renders once in the new language.
 */
export function bindLanguage(settings: SettingsStore, i18n: I18n): Disposable {
  const apply = () => {
    const lang = selectResolvedLanguage(settings.getState());
    document.documentElement.lang = lang;
    if (i18n.language !== lang) void i18n.changeLanguage(lang);
  };
  apply();
  const unsubscribe = settings.subscribe(apply);
  return { dispose: unsubscribe };
}
