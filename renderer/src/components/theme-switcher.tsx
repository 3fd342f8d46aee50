import { DesktopOutlined, MoonOutlined, SunOutlined } from '@ant-design/icons';
import { Segmented, Tooltip } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { selectTheme, type UiTheme } from '../stores/settings-store';
import { useSettingsStore } from '../stores/stores';

const ICONS: Record<UiTheme, ReactNode> = {
  light: <SunOutlined />,
  dark: <MoonOutlined />,
  system: <DesktopOutlined />,
};

/** Light / dark / follow system, as three icons in the header. */
export function ThemeSwitcher() {
  const { t } = useTranslation();
  const theme = useSettingsStore(selectTheme);
  const setTheme = useSettingsStore((s) => s.setTheme);
  return (
    <Segmented<UiTheme>
      size="small"
      value={theme}
      onChange={(v) => void setTheme(v)}
      aria-label={t('header.theme')}
      data-testid="theme-switcher"
      options={(['light', 'dark', 'system'] as const).map((v) => ({
        value: v,
        label: (
          <Tooltip title={`${t('header.theme')}: ${t(`theme.${v}`)}`}>
            <span data-testid={`theme-option-${v}`} aria-label={t(`theme.${v}`)}>
              {ICONS[v]}
            </span>
          </Tooltip>
        ),
      }))}
    />
  );
}
