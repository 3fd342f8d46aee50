import { NotificationOutlined } from '@ant-design/icons';
import { App, Button, Flex, Input, Modal, Spin, Typography } from 'antd';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { selectResolvedTheme } from '../../stores/settings-store';
import { useSettingsStore } from '../../stores/stores';
import { useTerminal, useTerminalStore } from './terminal-hooks';
import { selectBroadcast, selectTabs, type TerminalTab } from './terminal-store';
import { SearchBar } from './search-bar';
import { useTabName } from './tab-label';
import { asXterm } from './xterm-screen';
import { xtermTheme } from './xterm-theme';

/**
 * One tab's terminal: the xterm element (moved in on mount, out on unmount), the find bar, the
 * broadcast banner, and what to do when the session is opening, has ended or failed.
 */
export function TerminalPane({ tab, active, focused = active }: { tab: TerminalTab; active: boolean; focused?: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const store = useTerminal();
  const screen = asXterm(store.getState().screen(tab.key));
  const host = useRef<HTMLDivElement>(null);
  const mode = useSettingsStore(selectResolvedTheme);
  const broadcast = useTerminalStore(selectBroadcast);
  const tabs = useTerminalStore(selectTabs);
  const tabName = useTabName();
  const [searchOpen, setSearchOpen] = useState(false);
  const [pasteOpen, setPasteOpen] = useState(false);
  const [pasteText, setPasteText] = useState('');
  const copyWarned = useRef(false);

  useLayoutEffect(() => {
    if (!screen || !host.current) return;
    screen.mount(host.current);
    return () => screen.unmount();
  }, [screen]);

  useEffect(() => {
    screen?.setTheme(mode);
  }, [screen, mode]);

  useEffect(() => {
    if (!screen) return;
    screen.setVisible(active);
    if (focused) screen.focus();
  }, [screen, active, focused]);

  // A session that has just started (or restarted) takes the keyboard if its tab is in front.
  useEffect(() => {
    if (screen && focused && tab.status === 'running') screen.focus();
  }, [screen, focused, tab.status, tab.sessions]);

  // Refit whenever the container changes size (window, sider, banner, find bar).
  useEffect(() => {
    const el = host.current;
    if (!screen || !el) return;
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => screen.fit());
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
    };
  }, [screen]);

  useEffect(() => {
    if (!screen) return;
    const sub = screen.onDidRequest((r) => {
      switch (r.kind) {
        case 'find':
          setSearchOpen(true);
          break;
        case 'pasteFallback':
          setPasteText('');
          setPasteOpen(true);
          break;
        case 'copied':
          if (r.source === 'key') void message.success({ content: t('terminal.clipboard.copied', { count: r.chars }), duration: 1.5, key: 'terminal-copy' });
          break;
        case 'copyFailed':
          // Copy on select fails quietly after the first time; an explicit copy always says so.
          if (r.source === 'select' && copyWarned.current) break;
          copyWarned.current = true;
          void message.warning({ content: t('terminal.clipboard.copyFailed'), duration: 6, key: 'terminal-copy' });
          break;
      }
    });
    return () => sub.dispose();
  }, [screen, message, t]);

  const receiving = broadcast?.includes(tab.key) ?? false;
  const others = broadcast ? broadcast.filter((k) => k !== tab.key).length : 0;
  const receivers = broadcast ? tabs.filter((x) => broadcast.includes(x.key)) : [];
  const ended = tab.status === 'exited' || tab.status === 'failed';
  const cancelled = tab.status === 'failed' && tab.error?.code === 'CANCELLED';
  const isSsh = tab.target.kind === 'ssh';
  const bg = xtermTheme(mode).background;

  const sendPaste = () => {
    setPasteOpen(false);
    screen?.paste(pasteText);
    screen?.focus();
  };

  return (
    <div
      className={`drover-term-pane${active ? ' is-active' : ''}${receiving ? ' is-broadcast' : ''}`}
      data-testid={`terminal-pane-${tab.key}`}
      data-tab={tab.key}
      data-status={tab.status}
      data-broadcast={receiving ? 'on' : 'off'}
      aria-hidden={!active}
    >
      {receiving && (
        <div className="drover-term-broadcast" role="status" data-testid="terminal-broadcast-banner">
          <NotificationOutlined />
          <span className="drover-term-broadcast-text">{t('terminal.broadcast.banner', { count: receivers.length, names: receivers.map(tabName).join(', ') })}</span>
          <Button size="small" className="drover-term-broadcast-stop" onClick={() => store.getState().stopBroadcast()} data-testid="terminal-broadcast-stop">
            {t('terminal.broadcast.stop')}
          </Button>
        </div>
      )}
      {!receiving && others > 0 && (
        <div className="drover-term-broadcast-other" data-testid="terminal-broadcast-other">
          {t('terminal.broadcast.other', { count: others })}
        </div>
      )}
      <div className="drover-term-body" style={{ background: bg }}>
        {searchOpen && screen && <SearchBar screen={screen} mode={mode} onClose={() => setSearchOpen(false)} />}
        <div ref={host} className="drover-term-host" data-shortcuts="off" data-testid="terminal-host" />
      </div>
      {tab.status === 'connecting' && (
        <div className="drover-term-bar is-pending" data-testid="terminal-connecting">
          <Spin size="small" />
          <span className="drover-term-bar-text">
            {t('terminal.connectingTo', { target: tab.target.kind === 'ssh' ? tab.label : t('terminal.local') })}
            {isSsh && <Typography.Text type="secondary"> {t('terminal.connectingHint')}</Typography.Text>}
          </span>
          <Button size="small" onClick={() => store.getState().cancelOpen(tab.key)} data-testid="terminal-cancel-open">
            {t('terminal.cancel')}
          </Button>
        </div>
      )}
      {ended && (
        <div className={`drover-term-bar ${tab.status === 'failed' || (tab.exitCode ?? 0) !== 0 ? 'is-error' : 'is-ended'}`} data-testid="terminal-ended" data-exit-code={tab.exitCode ?? ''}>
          <div className="drover-term-bar-text">
            <Typography.Text strong data-testid="terminal-ended-title">
              {tab.status === 'failed'
                ? cancelled
                  ? t('terminal.cancelled')
                  : t('terminal.failed')
                : tab.exitCode !== null && tab.exitCode !== undefined
                  ? t('terminal.endedCode', { code: tab.exitCode })
                  : tab.exitSignal
                    ? t('terminal.endedSignal', { signal: tab.exitSignal })
                    : t('terminal.ended')}
            </Typography.Text>
            {tab.error && !cancelled && (
              <div className="drover-term-bar-error">
                <ErrorDetails error={tab.error} />
              </div>
            )}
            <Typography.Text type="secondary" className="drover-term-bar-note">
              {' '}
              {t('terminal.keptScrollback')}
            </Typography.Text>
          </div>
          <Flex gap={8} className="drover-term-bar-actions">
            <Button type="primary" size="small" onClick={() => store.getState().reconnect(tab.key)} data-testid="terminal-reconnect">
              {tab.status === 'failed' ? t('terminal.retry') : isSsh ? t('terminal.reconnect') : t('terminal.restart')}
            </Button>
            <Button size="small" onClick={() => store.getState().closeTab(tab.key)} data-testid="terminal-close-ended">
              {t('terminal.closeTab')}
            </Button>
          </Flex>
        </div>
      )}
      <Modal
        open={pasteOpen}
        title={t('terminal.clipboard.pasteTitle')}
        okText={t('terminal.clipboard.pasteSend')}
        onOk={sendPaste}
        okButtonProps={{ disabled: !pasteText, 'data-testid': 'terminal-paste-send' }}
        onCancel={() => {
          setPasteOpen(false);
          screen?.focus();
        }}
        destroyOnHidden
      >
        <Typography.Paragraph>{t('terminal.clipboard.pasteIntro')}</Typography.Paragraph>
        {receiving && <Typography.Paragraph type="danger">{t('terminal.clipboard.pasteBroadcast', { count: receivers.length })}</Typography.Paragraph>}
        <Input.TextArea
          autoFocus
          value={pasteText}
          onChange={(e) => setPasteText(e.target.value)}
          placeholder={t('terminal.clipboard.pastePlaceholder')}
          autoSize={{ minRows: 4, maxRows: 12 }}
          className="drover-mono"
          data-testid="terminal-paste-text"
        />
      </Modal>
    </div>
  );
}
