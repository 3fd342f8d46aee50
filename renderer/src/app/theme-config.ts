import { theme, type ThemeConfig } from 'antd';
import type { ResolvedTheme } from '../stores/settings-store';

const FONT_SANS = [
  'Inter',
  '"Segoe UI"',
  '-apple-system',
  'BlinkMacSystemFont',
  '"Noto Sans"',
  '"DejaVu Sans"',
  '"Helvetica Neue"',
  'Arial',
  '"PingFang SC"',
  '"Hiragino Sans GB"',
  '"Microsoft YaHei"',
  '"Noto Sans CJK SC"',
  '"Source Han Sans SC"',
  'sans-serif',
].join(', ');

export const FONT_MONO = [
  '"JetBrains Mono"',
  '"Cascadia Mono"',
  '"SFMono-Regular"',
  'Menlo',
  'Consolas',
  '"DejaVu Sans Mono"',
  '"Noto Sans Mono CJK SC"',
  'monospace',
].join(', ');

/** The navigation is dark in both themes: a fixed frame that reads well at a glance. */
const SIDER_BG = '#0d1520';
const SIDER_BG_DARK = '#0a0f16';

/** Dense but readable: 13 px text, 30 px controls, small radii; AA contrast in both themes. */
export function themeConfig(mode: ResolvedTheme): ThemeConfig {
  const dark = mode === 'dark';
  const sider = dark ? SIDER_BG_DARK : SIDER_BG;
  return {
    algorithm: dark ? theme.darkAlgorithm : theme.defaultAlgorithm,
    token: {
      colorPrimary: dark ? '#3b82f6' : '#1d63d8',
      colorBgLayout: dark ? '#0f141b' : '#eef1f5',
      colorBgContainer: dark ? '#161c24' : '#ffffff',
      colorBgElevated: dark ? '#1c232d' : '#ffffff',
      colorBorder: dark ? '#2f3a48' : '#d0d7de',
      colorBorderSecondary: dark ? '#252e3a' : '#e3e8ee',
      colorText: dark ? 'rgba(236, 241, 247, 0.92)' : 'rgba(15, 23, 32, 0.92)',
      colorTextSecondary: dark ? 'rgba(236, 241, 247, 0.66)' : 'rgba(15, 23, 32, 0.66)',
      fontFamily: FONT_SANS,
      fontFamilyCode: FONT_MONO,
      fontSize: 13,
      controlHeight: 30,
      borderRadius: 4,
      borderRadiusLG: 6,
      wireframe: false,
    },
    components: {
      Layout: {
        headerHeight: 48,
        headerPadding: '0 16px',
        headerBg: dark ? '#161c24' : '#ffffff',
        siderBg: sider,
        triggerBg: dark ? '#111821' : '#15202e',
        triggerHeight: 40,
      },
      Menu: {
        darkItemBg: sider,
        darkSubMenuItemBg: sider,
        darkItemSelectedBg: dark ? '#1f4fa3' : '#1d63d8',
        darkItemColor: 'rgba(225, 232, 240, 0.78)',
        darkItemHoverColor: '#ffffff',
        itemHeight: 36,
        itemMarginBlock: 2,
        itemBorderRadius: 4,
      },
      Descriptions: {
        itemPaddingBottom: 6,
        labelBg: dark ? '#1a212b' : '#f6f8fa',
      },
      Card: {
        headerHeight: 42,
        bodyPadding: 16,
      },
    },
  };
}
