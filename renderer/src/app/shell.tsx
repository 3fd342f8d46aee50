import { DeploymentUnitOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import { Button, Flex, Layout, Menu, Tooltip, Typography, theme } from 'antd';
import { useEffect, useState, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import { ConnectionBanner } from '../components/connection-banner';
import { ConnectionIndicator } from '../components/connection-indicator';
import { HostKeyDialog } from '../components/host-key-dialog';
import { LanguageSwitcher } from '../components/language-switcher';
import { ThemeSwitcher } from '../components/theme-switcher';
import { selectVersion } from '../stores/app-store';
import { selectResolvedLanguage, selectResolvedTheme } from '../stores/settings-store';
import { useAppStore, useSettingsStore } from '../stores/stores';
import { PAGES, pageById } from './pages';
import { ShortcutHelp } from './shortcut-help';
import { useHashRoute } from './use-hash-route';
import { useShortcuts } from './use-shortcuts';

/** The frame around every page: navigation on the left, status and switches on top. */
export function Shell() {
  const { t } = useTranslation();
  const { token } = theme.useToken();
  const [page, navigate] = useHashRoute();
  const [collapsed, setCollapsed] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const version = useAppStore(selectVersion);
  const resolvedTheme = useSettingsStore(selectResolvedTheme);
  const resolvedLanguage = useSettingsStore(selectResolvedLanguage);
  const setTheme = useSettingsStore((s) => s.setTheme);
  const setLanguage = useSettingsStore((s) => s.setLanguage);

  useShortcuts({
    navigate,
    openHelp: () => setHelpOpen(true),
    toggleTheme: () => void setTheme(resolvedTheme === 'dark' ? 'light' : 'dark'),
    toggleLanguage: () => void setLanguage(resolvedLanguage === 'zh-CN' ? 'en' : 'zh-CN'),
  });

  const pageName = t(`nav.${page}`);
  useEffect(() => {
    document.title = `${pageName} · ${t('app.name')}`;
  }, [pageName, t]);

  const current = pageById(page);
  const Page = current.component;

  // Our own CSS reads the theme's colors through these variables (see global.css). They are set on
  // the document root, so dialogs and popovers (rendered outside the shell) see them too.
  const vars = {
    '--drover-ok': token.colorSuccess,
    '--drover-warning': token.colorWarning,
    '--drover-error': token.colorError,
    '--drover-ok-text': token.colorSuccessText,
    '--drover-warning-text': token.colorWarningText,
    '--drover-error-text': token.colorErrorText,
    '--drover-pending': token.colorTextTertiary,
    '--drover-ok-bg': token.colorSuccessBg,
    '--drover-warning-bg': token.colorWarningBg,
    '--drover-error-bg': token.colorErrorBg,
    '--drover-border': token.colorBorder,
    '--drover-border-secondary': token.colorBorderSecondary,
    '--drover-text': token.colorText,
    '--drover-text-secondary': token.colorTextSecondary,
    '--drover-text-tertiary': token.colorTextTertiary,
    '--drover-bg-container': token.colorBgContainer,
    '--drover-bg-layout': token.colorBgLayout,
    '--drover-fill': token.colorFillTertiary,
    '--drover-font-mono': token.fontFamilyCode,
  } as CSSProperties;
  useEffect(() => {
    const style = document.documentElement.style;
    for (const [name, value] of Object.entries(vars as Record<string, string>)) style.setProperty(name, value);
  });

  return (
    <Layout className="drover-shell" style={vars} data-testid="shell" data-theme={resolvedTheme} data-language={resolvedLanguage}>
      <Layout.Sider
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        width={208}
        collapsedWidth={56}
        className="drover-sider"
        data-testid="nav"
      >
        <div className="drover-brand" title={t('app.name')}>
          <DeploymentUnitOutlined className="drover-brand-icon" />
          {!collapsed && (
            <div className="drover-brand-text">
              <div className="drover-brand-name">{t('app.name')}</div>
              <div className="drover-brand-tagline">{t('app.tagline')}</div>
            </div>
          )}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[page]}
          onClick={({ key }) => navigate(key as typeof page)}
          items={PAGES.map((p) => ({
            key: p.id,
            icon: p.icon,
            title: t(`nav.${p.id}`),
            label: t(`nav.${p.id}`),
            extra: collapsed ? undefined : <span className="drover-nav-key">{p.digit !== undefined ? `Alt+${p.digit}` : 'Ctrl+,'}</span>,
            'data-testid': `nav-${p.id}`,
          }))}
        />
      </Layout.Sider>
      <Layout className="drover-main">
        <Layout.Header className="drover-header">
          <Flex align="center" gap={12} className="drover-header-row">
            <Flex align="center" gap={8} className="drover-page-title">
              <span className="drover-page-icon">{current.icon}</span>
              <Typography.Title level={5} style={{ margin: 0 }} data-testid="page-title">
                {pageName}
              </Typography.Title>
            </Flex>
            <div style={{ flex: 1 }} />
            <ConnectionIndicator />
            <Tooltip title={t('header.version')}>
              <button type="button" className="drover-version" data-testid="server-version" onClick={() => navigate('settings')}>
                <span className="drover-version-label">{t('header.server')}</span>
                <span className="drover-mono">{version ? `v${version}` : '—'}</span>
              </button>
            </Tooltip>
            <span className="drover-header-sep" aria-hidden />
            <LanguageSwitcher />
            <ThemeSwitcher />
            <Tooltip title={`${t('header.shortcuts')} (Ctrl+K)`}>
              <Button
                size="small"
                type="text"
                icon={<QuestionCircleOutlined aria-hidden />}
                aria-label={t('header.shortcuts')}
                onClick={() => setHelpOpen(true)}
                data-testid="shortcuts-button"
              />
            </Tooltip>
          </Flex>
        </Layout.Header>
        <Layout.Content className="drover-content">
          <ConnectionBanner />
          <div className="drover-page" data-testid={`page-${page}`} key={page}>
            <Page />
          </div>
        </Layout.Content>
      </Layout>
      <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />
      {/* Host key questions from every feature that opens SSH connections (tunnels, terminals). */}
      <HostKeyDialog />
    </Layout>
  );
}
