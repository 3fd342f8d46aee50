import { App as AntApp, ConfigProvider } from 'antd';
import type { i18n as I18n } from 'i18next';
import { useEffect } from 'react';
import { I18nextProvider } from 'react-i18next';
import { Toaster } from '../components/toaster';
import { antdLocale } from '../i18n/i18n';
import { selectResolvedLanguage, selectResolvedTheme } from '../stores/settings-store';
import { StoresProvider, type Stores, useSettingsStore } from '../stores/stores';
import { Shell } from './shell';
import { themeConfig } from './theme-config';

/** The root: stores, translations, the UI kit's theme and locale, the shell and the toaster. */
export function App({ stores, i18n }: { stores: Stores; i18n: I18n }) {
  return (
    <StoresProvider stores={stores}>
      <I18nextProvider i18n={i18n}>
        <Themed />
      </I18nextProvider>
    </StoresProvider>
  );
}

function Themed() {
  const language = useSettingsStore(selectResolvedLanguage);
  const mode = useSettingsStore(selectResolvedTheme);
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = mode;
    root.style.colorScheme = mode;
  }, [mode]);
  return (
    <ConfigProvider locale={antdLocale(language)} theme={themeConfig(mode)}>
      <AntApp className="drover-app" notification={{ placement: 'bottomRight', stack: { threshold: 4 } }}>
        <Shell />
        <Toaster />
      </AntApp>
    </ConfigProvider>
  );
}
