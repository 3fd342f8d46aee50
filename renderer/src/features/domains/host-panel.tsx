import { ProblemItem } from './problem-item';
import { CodeOutlined, DeleteOutlined, EditOutlined, FilterOutlined, ReloadOutlined, SyncOutlined, WarningOutlined } from '@ant-design/icons';
import type { DomainHostStatus } from '@contract/domains';
import { App, Button, Flex, Popover, Tag, Tooltip, Typography } from 'antd';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { LiveStatus } from '../../components/live-status';
import { FleetMachineLink } from '../fleet/machine-link';
import { useDomainActions } from './domain-actions';
import { useDomainsStore } from './domains-hooks';
import { hostUsable, selectDomainsLive, selectHost, type DomainsState } from './domains-store';

/** "total/running/paused" of one host's domains, as one string (re-renders only when it changes). */
const selectCounts =
  (hostId: string) =>
  (s: DomainsState): string => {
    let total = 0;
    let running = 0;
    let paused = 0;
    for (const row of Object.values(s.domains)) {
      if (row.hostId !== hostId) continue;
      total++;
      if (row.state === 'running') running++;
      else if (row.state === 'paused') paused++;
    }
    return `${total}/${running}/${paused}`;
  };

/** One KVM host: where it is, its own live state (cause and data age), its counts and actions. */
export const HostCard = memo(function HostCard({ hostId, onEdit }: { hostId: string; onEdit(host: DomainHostStatus): void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const host = useDomainsStore(selectHost(hostId));
  const live = useDomainsStore(selectDomainsLive);
  const counts = useDomainsStore(selectCounts(hostId));
  const filtered = useDomainsStore((s) => s.hostFilter === hostId);
  const busy = useDomainsStore((s) => s.hostBusy[hostId]);
  const setHostFilter = useDomainsStore((s) => s.setHostFilter);
  const refresh = useDomainsStore((s) => s.refresh);
  const retry = useDomainsStore((s) => s.retryHost);
  const removeHost = useDomainsStore((s) => s.removeHost);
  const actions = useDomainActions();
  if (!host) return null;
  const [total, running, paused] = counts.split('/').map(Number) as [number, number, number];
  const state = host.health.state;
  const down = state === 'down';
  const c = host.config;

  const confirmRemove = () =>
    modal.confirm({
      title: t('domains.host.removeTitle', { name: c.name }),
      content: <div data-testid="domain-host-remove-confirm">{t('domains.host.removeBody')}</div>,
      okText: t('domains.host.remove'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'domain-host-remove-ok' } as Record<string, string>) },
      cancelText: t('domains.confirm.cancel'),
      onOk: () => removeHost(c.id),
    });

  return (
    <div className={`drover-domain-host${filtered ? ' drover-domain-host-filtered' : ''}`} data-testid="domain-host" data-host-id={c.id} data-host-name={c.name} data-state={state} data-failure={host.failure ?? ''}>
      <Flex align="center" gap={8} wrap className="drover-domain-host-head">
        <Typography.Text strong className="drover-domain-host-name" data-testid="domain-host-title">
          {c.name}
        </Typography.Text>
        <Typography.Text type="secondary" className="drover-mono drover-domain-host-route" data-testid="domain-host-route">
          {host.route}
        </Typography.Text>
        <FleetMachineLink sshHost={c.target.host} showUnknown />
        <div style={{ flex: 1 }} />
        <Tooltip title={t('domains.host.shellHelp')}>
          <Button size="small" icon={<CodeOutlined />} onClick={() => actions.openShell(c.id)} data-testid="domain-host-shell">
            {t('domains.host.shell')}
          </Button>
        </Tooltip>
        <Tooltip title={filtered ? t('domains.host.showAll') : t('domains.host.filterHelp')}>
          <Button size="small" type={filtered ? 'primary' : 'default'} icon={<FilterOutlined />} onClick={() => setHostFilter(filtered ? null : c.id)} aria-label={t('domains.host.filter')} data-testid="domain-host-filter" />
        </Tooltip>
        <Tooltip title={t('domains.host.refresh')}>
          <Button size="small" icon={<ReloadOutlined />} loading={busy === 'refresh'} disabled={!live.fresh} onClick={() => void refresh(c.id)} aria-label={t('domains.host.refresh')} data-testid="domain-host-refresh" />
        </Tooltip>
        <Tooltip title={t('domains.host.edit')}>
          <Button size="small" icon={<EditOutlined />} disabled={!live.fresh} onClick={() => onEdit(host)} aria-label={t('domains.host.edit')} data-testid="domain-host-edit" />
        </Tooltip>
        <Tooltip title={t('domains.host.remove')}>
          <Button size="small" danger icon={<DeleteOutlined />} disabled={!live.fresh} onClick={confirmRemove} aria-label={t('domains.host.remove')} data-testid="domain-host-remove" />
        </Tooltip>
      </Flex>
      <Flex align="center" gap={8} wrap className="drover-domain-host-status">
        <LiveStatus source={{ connected: live.connected, fresh: live.fresh, health: host.health, clockOffsetMs: live.clockOffsetMs }} testId="domain-host-live" />
        {host.failure && state !== 'live' && (
          <Tag color={down ? 'error' : 'warning'} data-testid="domain-host-failure" data-failure={host.failure}>
            {t(`domains.failure.${host.failure}`)}
          </Tag>
        )}
        {down && (
          <Button size="small" icon={<SyncOutlined />} loading={busy === 'retry'} disabled={!live.fresh} onClick={() => void retry(c.id)} data-testid="domain-host-retry">
            {t('domains.host.retry')}
          </Button>
        )}
      </Flex>
      <Flex align="center" gap={12} wrap className={`drover-domain-host-meta${hostUsable(live, host) ? '' : ' drover-stale'}`}>
        <Typography.Text type="secondary" className="drover-mono" data-testid="domain-host-card-uri">
          {c.uri}
        </Typography.Text>
        <Typography.Text data-testid="domain-host-counts" data-total={total} data-running={running} data-paused={paused}>
          {t('domains.host.counts', { total, running, paused })}
        </Typography.Text>
        {host.roundMs !== null && (
          <Typography.Text type="secondary">{t('domains.host.round', { ms: Math.round(host.roundMs), calls: host.calls ?? 0, interval: c.pollIntervalSec })}</Typography.Text>
        )}
        {host.problems.length > 0 && (
          <Popover
            title={t('domains.host.problems', { count: host.problems.length })}
            content={
              <ul className="drover-domain-problems">
                {host.problems.map((p, i) => (
                  <ProblemItem key={i} problem={p} />
                ))}
              </ul>
            }
          >
            <Tag icon={<WarningOutlined />} color="warning" data-testid="domain-host-problems">
              {t('domains.host.problems', { count: host.problems.length })}
            </Tag>
          </Popover>
        )}
      </Flex>
    </div>
  );
});
