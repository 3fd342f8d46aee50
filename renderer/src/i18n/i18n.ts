import type { Language as UiLanguage } from '@contract/settings';
import i18next, { type i18n as I18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Locale } from 'antd/es/locale';
import antdEn from 'antd/es/locale/en_US';
import antdZhCN from 'antd/es/locale/zh_CN';
import type { RendererFeature } from '../app/feature';
import { en } from './en';
import { mergeStrings } from './merge-strings';
import type { Messages } from './messages';
import { zhCN } from './zh-cn';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}

/** What the user picks (ui.language in settings); 'system' follows the browser / OS language. */
export type { UiLanguage };
/** What is actually shown. */
export type ResolvedLanguage = Exclude<UiLanguage, 'system'>;

export const LANGUAGES: readonly ResolvedLanguage[] = ['en', 'zh-CN'];

export function resolveLanguage(pref: UiLanguage, navigatorLanguages: readonly string[] = navigator.languages): ResolvedLanguage {
  if (pref !== 'system') return pref;
  for (const tag of navigatorLanguages) {
    const lower = tag.toLowerCase();
    // Simplified Chinese is the only Chinese we have; zh-TW/HK readers still read it better than English.
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function antdLocale(lang: ResolvedLanguage): Locale {
  return lang === 'zh-CN' ? antdZhCN : antdEn;
}

/** The shell's strings and every feature's, per language. */
export function translations(features: readonly RendererFeature[]): Record<ResolvedLanguage, Record<string, unknown>> {
  return {
    en: mergeStrings([en, ...features.map((f) => f.strings.en)]),
    'zh-CN': mergeStrings([zhCN, ...features.map((f) => f.strings['zh-CN'])]),
  };
}

/** One i18next instance for the page, synchronous (resources are bundled). */
export function createI18n(lang: ResolvedLanguage, features: readonly RendererFeature[]): I18n {
  const instance = i18next.createInstance();
  const strings = translations(features);
  void instance.use(initReactI18next).init({
    resources: { en: { translation: strings.en }, 'zh-CN': { translation: strings['zh-CN'] } },
    lng: lang,
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
    initAsync: false,
    showSupportNotice: false,
  });
  return instance;
}
