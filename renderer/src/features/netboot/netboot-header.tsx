import { PauseCircleOutlined, PlayCircleOutlined } from '@ant-design/icons';
import type { NetbootFeatureStatus, NetbootServerState } from '@contract/netboot';
import { Alert, App, Button, Card, Descriptions, Flex, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { LiveStatus } from '../../components/live-status';
import { useFeatureStore } from '../../stores/stores';
import { netbootStoreKey, useNetbootStore } from './netboot-hooks';
import { midBootMachines, selectNetbootLive, selectNetbootStatus } from './netboot-store';

const STATE_COLOR: Record<NetbootServerState, string> = { stopped: 'default', starting: 'processing', running: 'success', stopping: 'processing', failed: 'error' };
const ETCD_COLOR = { 'not-configured': 'default', unknown: 'default', ok: 'success', down: 'error' } as const;
const COPY_COLOR = { off: 'default', syncing: 'processing', 'in-sync': 'success', 'read-through': 'warning' } as const;

export function isRunning(status: NetbootFeatureStatus | undefined): boolean {
  return status?.state === 'running' || status?.state === 'starting';
}

/**
 * Start, or stop after asking when machines are mid-boot (naming the responder and the machines);
 * also what the page's S key does.
 */
export function useToggleResponder(): () => void {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const store = useFeatureStore(netbootStoreKey);
  return () => {
    const s = store.getState();
    if (!s.live.fresh || s.busy) return;
    if (!isRunning(s.status)) {
      void s.start();
      return;
    }
    const midBoot = midBootMachines(s.machines, Date.now() + s.live.clockOffsetMs);
    if (midBoot.length === 0) {
      void s.stop();
      return;
    }
    const shown = midBoot.slice(0, 5);
    modal.confirm({
      title: t('netboot.confirmStop.title', { url: s.status?.listenUrl ?? '' }),
      content: (
        <div data-testid="netboot-confirm-stop">
          <p>{t('netboot.confirmStop.body', { count: midBoot.length })}</p>
          <ul className="drover-nb-confirm-list">
            {shown.map((m) => (
              <li key={m.key} className="drover-mono">
                {m.mac} {m.ip} [{m.subnet}] · {t(`netboot.step.${m.lastStep}`)}
              </li>
            ))}
          </ul>
          {midBoot.length > shown.length && <p>{t('netboot.confirmStop.more', { count: midBoot.length - shown.length })}</p>}
        </div>
      ),
      okText: t('netboot.confirmStop.ok'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'netboot-confirm-stop-ok' } as Record<string, string>) },
      onOk: () => store.getState().stop(),
    });
  };
}

/** The responder's state, addresses, counters, etcd health and config report, with start/stop. */
export function NetbootHeader() {
  const { t } = useTranslation();
  const status = useNetbootStore(selectNetbootStatus);
  const live = useNetbootStore(selectNetbootLive);
  const busy = useNetbootStore((s) => s.busy);
  const toggle = useToggleResponder();
  const fresh = live.fresh;
  const running = isRunning(status);
  const state = status?.state ?? 'stopped';
  const c = status?.counters;
  const report = status?.config;

  return (
    <Card size="small" className={`drover-nb-header${fresh ? '' : ' drover-stale'}`} data-testid="netboot-header" data-state={state}>
      <Flex align="center" gap={12} wrap>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('netboot.header.title')}
        </Typography.Title>
        <Tag color={STATE_COLOR[state]} data-testid="netboot-state">
          {t(`netboot.state.${state}`)}
        </Tag>
        <LiveStatus source={live} testId="netboot-live" />
        <div style={{ flex: 1 }} />
        <Tooltip title={`${running ? t('netboot.header.stop') : t('netboot.header.start')} (S)`}>
          <Button
            type={running ? 'default' : 'primary'}
            danger={running}
            icon={running ? <PauseCircleOutlined /> : <PlayCircleOutlined />}
            loading={busy === 'start' || busy === 'stop'}
            disabled={!fresh || busy !== null || state === 'stopping'}
            onClick={toggle}
            data-testid={running ? 'netboot-stop' : 'netboot-start'}
          >
            {running ? t('netboot.header.stop') : t('netboot.header.start')}
          </Button>
        </Tooltip>
      </Flex>
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} className="drover-nb-descriptions">
        <Descriptions.Item label={t('netboot.header.listen')}>
          <span className="drover-mono" data-testid="netboot-listen">
            {status?.listenUrl ?? t('netboot.header.notListening')}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('netboot.header.serverUrl')}>
          <span className="drover-mono">{status?.serverUrl ?? '—'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('netboot.header.subnets')}>{status?.subnets ?? 0}</Descriptions.Item>
        <Descriptions.Item label={t('netboot.header.configFile')}>
          <span className="drover-mono drover-nb-path" data-testid="netboot-config-path">
            {status?.configPath ?? '—'}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('netboot.header.etcd')}>
          <Tooltip title={status?.etcd.reason}>
            <Tag color={ETCD_COLOR[status?.etcd.state ?? 'not-configured']} data-testid="netboot-etcd">
              {t(`netboot.etcdState.${status?.etcd.state ?? 'not-configured'}`)}
            </Tag>
          </Tooltip>
          {status?.etcd.copy && (
            <Tooltip title={status.etcd.copy.reason ?? t('netboot.etcdCopy.since', { time: new Date(status.etcd.copy.sinceMs).toLocaleTimeString() })}>
              <Tag color={COPY_COLOR[status.etcd.copy.state]} data-testid="netboot-etcd-copy">
                {t(`netboot.etcdCopy.${status.etcd.copy.state}`, { keys: status.etcd.copy.keys })}
              </Tag>
            </Tooltip>
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t('netboot.header.requests')}>
          <Tooltip title={c ? t('netboot.header.counters', { ...c }) : undefined}>
            <span data-testid="netboot-requests">{c?.requests ?? 0}</span>
          </Tooltip>
        </Descriptions.Item>
      </Descriptions>
      {status && !status.configExists && <Alert type="info" showIcon className="drover-nb-alert" title={t('netboot.header.noConfigFile')} data-testid="netboot-no-config" />}
      {status?.error && state === 'failed' && (
        <Alert type="error" showIcon className="drover-nb-alert" title={t('netboot.header.startFailed')} description={<ErrorDetails error={status.error} action="startNetboot" />} data-testid="netboot-start-error" />
      )}
      {status?.configExists && report && !report.ok && (
        <Alert
          type="warning"
          showIcon
          className="drover-nb-alert"
          title={report.keptPrevious ? t('netboot.header.configKept') : t('netboot.header.configInvalid')}
          description={<span className="drover-nb-report">{report.message}</span>}
          data-testid="netboot-config-refused"
        />
      )}
      {status?.restartRequired && <Alert type="warning" showIcon className="drover-nb-alert" title={t('netboot.header.restartRequired')} data-testid="netboot-restart-required" />}
    </Card>
  );
}
