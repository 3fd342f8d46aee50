import { AlertOutlined } from '@ant-design/icons';
import type { MinerAlert } from '@contract/miners';
import { Button, Empty, List, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration } from '../../components/format';
import { alertText, sortMinerAlerts } from './alert-text';
import { useMinerView } from './miner-view';
import { useMinersStore } from './miners-hooks';
import { useSecond } from './use-second';

/**
 * The miner's firing alerts: a job far over its worker's usual time (or a limit), jobs stuck in
 * assigned or ret-wait, a worker gone, error sectors increasing, a balance below its threshold.
 * A job or worker alert links to its row.
 */
export function AlertsPanel({ onShowJob, onShowWorker }: { onShowJob(jobKey: string): void; onShowWorker(hostname: string): void }) {
  const { t } = useTranslation();
  const alerts = useMinerView((s) => s.alerts);
  const actionable = useMinerView((s) => s.actionable);
  const offset = useMinerView((s) => s.live.clockOffsetMs);
  const now = useSecond() + offset;
  const list = useMemo(() => sortMinerAlerts(alerts), [alerts]);
  const dismiss = useMinersStore((s) => s.dismissAlert);
  const busy = useMinersStore((s) => s.busy);
  if (list.length === 0) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('miners.alert.none')} data-testid="miners-alerts-empty" className={actionable ? undefined : 'drover-stale'} />;
  }
  const link = (a: MinerAlert) => (
    <>
      {jump(a)}
      <Button size="small" type="text" disabled={!actionable} loading={busy[a.id] === 'dismiss'} onClick={() => void dismiss(a.id)} data-testid="miners-alert-dismiss">
        {t('miners.alert.dismiss')}
      </Button>
    </>
  );
  const jump = (a: MinerAlert) =>
    a.jobKey ? (
      <Button size="small" type="link" onClick={() => onShowJob(a.jobKey!)} data-testid="miners-alert-show">
        {t('miners.alert.showJob')}
      </Button>
    ) : a.hostname && a.kind !== 'worker-gone' ? (
      <Button size="small" type="link" onClick={() => onShowWorker(a.hostname!)} data-testid="miners-alert-show">
        {t('miners.alert.showWorker')}
      </Button>
    ) : null;
  return (
    <List<MinerAlert>
      size="small"
      className={actionable ? undefined : 'drover-stale'}
      data-testid="miners-alerts"
      dataSource={list}
      renderItem={(a) => (
        <List.Item key={a.id} data-testid="miners-alert" data-kind={a.kind} data-severity={a.severity} extra={link(a)}>
          <List.Item.Meta
            avatar={<AlertOutlined className={a.severity === 'critical' ? 'drover-miners-tone-error' : 'drover-miners-tone-warning'} />}
            title={
              <span>
                <Tag color={a.severity === 'critical' ? 'error' : 'warning'}>{t(`miners.alert.severity.${a.severity}`)}</Tag>
                {t(`miners.alert.kind.${a.kind}`)}
              </span>
            }
            description={
              <span>
                {alertText(a, t)}{' '}
                <Typography.Text type="secondary">· {t('miners.alert.since', { duration: formatDuration(Math.max(0, now - a.sinceMs), t) })}</Typography.Text>
              </span>
            }
          />
        </List.Item>
      )}
    />
  );
}
