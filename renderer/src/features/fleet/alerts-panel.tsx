import { BellOutlined, CheckOutlined, ReloadOutlined } from '@ant-design/icons';
import type { Alert as FleetAlert } from '@contract/fleet';
import { Alert, Button, Empty, Flex, Table, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../../components/use-now';
import { alertText } from './alert-text';
import { ago, dateTime, DASH } from './fleet-format';
import { useFleetStore } from './fleet-hooks';
import { selectAlerts, selectFleetLive, sortAlerts } from './fleet-store';

function value(a: FleetAlert): string {
  if (a.metric === 'host.down') return a.lastValue === null ? DASH : String(a.lastValue);
  const v = a.lastValue ?? a.value;
  return v === null ? DASH : `${v}`;
}

/** Desktop notifications: asked for from this button only (browsers refuse a request that is not a click). */
export function NotificationButton() {
  const { t } = useTranslation();
  const permission = useFleetStore((s) => s.notificationPermission);
  const enable = useFleetStore((s) => s.enableNotifications);
  if (permission === 'granted') {
    return (
      <Tag icon={<BellOutlined />} color="success" data-testid="fleet-notify-state" data-permission={permission}>
        {t('fleet.notify.on')}
      </Tag>
    );
  }
  if (permission === 'denied' || permission === 'unsupported') {
    return (
      <Tooltip title={t(permission === 'denied' ? 'fleet.notify.deniedHelp' : 'fleet.notify.unsupportedHelp')}>
        <Tag data-testid="fleet-notify-state" data-permission={permission}>
          {t(permission === 'denied' ? 'fleet.notify.denied' : 'fleet.notify.unsupported')}
        </Tag>
      </Tooltip>
    );
  }
  return (
    <Tooltip title={t('fleet.notify.help')}>
      <Button icon={<BellOutlined />} onClick={() => void enable()} data-testid="fleet-notify-enable" data-permission={permission}>
        {t('fleet.notify.enable')}
      </Button>
    </Tooltip>
  );
}

/** Firing alerts of every host (acknowledge one), and the episodes kept across restarts. */
export function AlertsPanel({ onOpenHost }: { onOpenHost(id: string): void }) {
  const { t } = useTranslation();
  const alerts = useFleetStore(selectAlerts);
  const hosts = useFleetStore((s) => s.hosts);
  const live = useFleetStore(selectFleetLive);
  const ack = useFleetStore((s) => s.acknowledge);
  const busy = useFleetStore((s) => s.busy);
  const alertHistory = useFleetStore((s) => s.alertHistory);
  const now = useNow(1000, true) + live.clockOffsetMs;
  const firing = sortAlerts(alerts);
  const [history, setHistory] = useState<FleetAlert[] | null>(null);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const load = useCallback(() => {
    alertHistory().then(
      (list) => {
        setHistory(list);
        setHistoryError(null);
      },
      (err: unknown) => setHistoryError(err instanceof Error ? err.message : String(err)),
    );
  }, [alertHistory]);
  useEffect(load, [load, firing.length]);

  const hostCell = (a: FleetAlert) => (
    <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onOpenHost(a.hostId)}>
      {hosts[a.hostId]?.host.name ?? a.hostId}
    </Button>
  );

  return (
    <Flex vertical gap={16} className={live.fresh ? undefined : 'drover-stale'} data-testid="fleet-alerts">
      <Flex align="center" gap={12} wrap>
        <Typography.Text strong>{t('fleet.alerts.firing', { count: firing.length })}</Typography.Text>
        <div style={{ flex: 1 }} />
        <NotificationButton />
      </Flex>
      {firing.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('fleet.alerts.noneFiring')} />
      ) : (
        <Table<FleetAlert>
          size="small"
          pagination={false}
          rowKey="id"
          dataSource={firing}
          scroll={{ y: 360 }}
          onRow={(a) => ({ 'data-testid': 'fleet-alert-row', 'data-rule': a.ruleId, 'data-host-id': a.hostId, 'data-acked': String(a.acked) }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { key: 'sev', title: t('fleet.alerts.severity'), width: 100, render: (_, a) => <Tag color={a.severity === 'critical' ? 'error' : 'warning'}>{t(`fleet.severity.${a.severity}`)}</Tag> },
            { key: 'host', title: t('fleet.columns.host'), width: 160, render: (_, a) => hostCell(a) },
            { key: 'what', title: t('fleet.alerts.what'), render: (_, a) => <span data-testid="fleet-alert-message">{alertText(a, t)}</span> },
            { key: 'value', title: t('fleet.alerts.value'), width: 120, render: (_, a) => `${value(a)} / ${a.threshold}` },
            { key: 'since', title: t('fleet.alerts.sinceCol'), width: 130, render: (_, a) => <Tooltip title={dateTime(a.sinceMs)}>{ago(a.sinceMs, now, t)}</Tooltip> },
            {
              key: 'ack',
              width: 140,
              render: (_, a) =>
                a.acked ? (
                  <Tag icon={<CheckOutlined />} data-testid="fleet-alert-acked">
                    {t('fleet.alerts.acked')}
                  </Tag>
                ) : (
                  <Button size="small" disabled={!live.fresh} loading={busy[a.id] === 'ack'} onClick={() => void ack(a.id)} data-testid="fleet-alert-ack">
                    {t('fleet.alerts.ack')}
                  </Button>
                ),
            },
          ]}
        />
      )}
      <Flex align="center" gap={8}>
        <Typography.Text strong>{t('fleet.alerts.history')}</Typography.Text>
        <Typography.Text type="secondary">{t('fleet.alerts.historyHelp')}</Typography.Text>
        <div style={{ flex: 1 }} />
        <Button size="small" icon={<ReloadOutlined />} onClick={load}>
          {t('fleet.alerts.reload')}
        </Button>
      </Flex>
      {historyError && <Alert type="error" showIcon title={historyError} />}
      <Table<FleetAlert>
        size="small"
        virtual
        pagination={false}
        rowKey="id"
        loading={history === null}
        dataSource={history ?? []}
        scroll={{ y: 320 }}
        data-testid="fleet-alert-history"
        onRow={(a) => ({ 'data-testid': 'fleet-alert-history-row', 'data-rule': a.ruleId, 'data-state': a.state, 'data-acked': String(a.acked) }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { key: 'sev', title: t('fleet.alerts.severity'), width: 100, render: (_, a) => <Tag color={a.severity === 'critical' ? 'error' : 'warning'}>{t(`fleet.severity.${a.severity}`)}</Tag> },
          { key: 'host', title: t('fleet.columns.host'), width: 160, render: (_, a) => hostCell(a) },
          {
            key: 'what',
            title: t('fleet.alerts.what'),
            render: (_, a) => (
              <Tooltip title={<span className="drover-mono">{a.message}</span>}>
                <span>{alertText(a, t)}</span>
              </Tooltip>
            ),
          },
          { key: 'from', title: t('fleet.alerts.fired'), width: 170, render: (_, a) => dateTime(a.sinceMs) },
          { key: 'to', title: t('fleet.alerts.resolved'), width: 170, render: (_, a) => (a.resolvedAtMs ? dateTime(a.resolvedAtMs) : <Tag color="error">{t('fleet.alerts.stillFiring')}</Tag>) },
          { key: 'ack', title: t('fleet.alerts.ackCol'), width: 90, render: (_, a) => (a.acked ? <CheckOutlined /> : DASH) },
        ]}
      />
    </Flex>
  );
}
