import { Checkbox, Tooltip } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useTerminal } from './terminal-hooks';
import type { TerminalTab } from './terminal-store';

/** "root@rig-07" or "local", then the shell's title when it set one. */
export function useTabName(): (tab: TerminalTab) => string {
  const { t } = useTranslation();
  return useCallback(
    (tab: TerminalTab) => {
      const host = tab.name ?? (tab.target.kind === 'local' ? t('terminal.local') : tab.label);
      return tab.title && tab.title !== host ? `${host} · ${tab.title}` : host;
    },
    [t],
  );
}

/** Status dot, host and title, exit code when ended, and the broadcast mark and checkbox. */
export function TabLabel({ tab, broadcastOn, receiving }: { tab: TerminalTab; broadcastOn: boolean; receiving: boolean }) {
  const { t } = useTranslation();
  const store = useTerminal();
  const name = useTabName()(tab);
  const host = tab.name ?? (tab.target.kind === 'local' ? t('terminal.local') : tab.label);
  const tone =
    tab.status === 'running' ? 'ok' : tab.status === 'connecting' ? 'pending' : tab.status === 'failed' || (tab.exitCode ?? 0) !== 0 ? 'error' : 'ended';
  return (
    <span className={`drover-term-tab${receiving ? ' is-broadcast' : ''}`} data-testid={`terminal-tab-${tab.key}`} data-status={tab.status} data-broadcast={receiving ? 'on' : 'off'}>
      {broadcastOn && (
        <Tooltip title={t('terminal.broadcast.include')}>
          <Checkbox
            checked={receiving}
            className="drover-term-tab-check"
            aria-label={t('terminal.broadcast.include')}
            data-testid={`terminal-broadcast-check-${tab.key}`}
            onClick={(e) => e.stopPropagation()}
            onChange={() => store.getState().toggleBroadcastTab(tab.key)}
          />
        </Tooltip>
      )}
      <span className={`drover-term-dot is-${tone}`} aria-label={t(`terminal.status.${tab.status}`)} role="img" />
      <span className="drover-term-tab-text" title={`${name} — ${t(`terminal.status.${tab.status}`)}`}>
        <span className="drover-term-tab-host">{host}</span>
        {tab.title && tab.title !== host && <span className="drover-term-tab-title"> · {tab.title}</span>}
      </span>
      {tab.status === 'exited' && tab.exitCode !== null && tab.exitCode !== undefined && (
        <span className={`drover-term-exit${tab.exitCode === 0 ? '' : ' is-error'}`} data-testid="terminal-tab-exit">
          {t('terminal.exitTag', { code: tab.exitCode })}
        </span>
      )}
      {receiving && <span className="drover-term-tab-badge">{t('terminal.broadcast.badge')}</span>}
    </span>
  );
}
