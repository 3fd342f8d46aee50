import { ArrowDownOutlined, ArrowUpOutlined, WarningOutlined } from '@ant-design/icons';
import type { ErrorData } from '@contract/errors';
import type { ForwardStatus } from '@contract/tunnels';
import { Table, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Sparkline } from '../../components/sparkline';
import { HISTORY_LENGTH, selectTraffic } from './tunnels-store';
import { useTunnelsStore } from './tunnels-hooks';
import { formatBytes, formatRate } from '../../components/format';
import { ForwardStateTag } from './state-tags';

/** One row per forward: what it listens on and where it goes, its state, connections and traffic. */
export function ForwardTable({
  profileId,
  forwards,
  running,
  tunnelError,
}: {
  profileId: string;
  forwards: readonly ForwardStatus[];
  running: boolean;
  /** What stopped the whole tunnel: forwards that only went down with it do not repeat it. */
  tunnelError: ErrorData | undefined;
}) {
  const { t, i18n } = useTranslation();
  return (
    <Table<ForwardStatus>
      size="small"
      className="drover-forward-table"
      rowKey="id"
      pagination={false}
      dataSource={forwards as ForwardStatus[]}
      tableLayout="fixed"
      onRow={(f) => ({ 'data-testid': 'forward-row', 'data-forward-id': f.id, 'data-state': f.state }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          key: 'forward',
          title: t('tunnels.forward.columns.forward'),
          width: '32%',
          render: (_, f) => <ForwardLabel forward={f} />,
        },
        {
          key: 'state',
          title: t('tunnels.forward.columns.state'),
          width: 120,
          render: (_, f) => <ForwardStateTag state={f.state} />,
        },
        {
          key: 'connections',
          title: (
            <Tooltip title={t('tunnels.forward.connectionsHelp')}>
              <span>{t('tunnels.forward.columns.connections')}</span>
            </Tooltip>
          ),
          width: 104,
          render: (_, f) => (
            <span className="drover-forward-conns" data-testid="forward-connections">
              <span title={t('tunnels.forward.active')} data-testid="forward-active">
                {f.activeConnections}
              </span>
              <Typography.Text type="secondary"> / </Typography.Text>
              <span title={t('tunnels.forward.total')} data-testid="forward-total">
                {f.totalConnections}
              </span>
              {f.failedConnections > 0 && (
                <Typography.Text type="danger" title={t('tunnels.forward.failed')} data-testid="forward-failed">
                  {' · '}
                  {t('tunnels.forward.failedCount', { count: f.failedConnections })}
                </Typography.Text>
              )}
            </span>
          ),
        },
        {
          key: 'traffic',
          title: t('tunnels.forward.columns.traffic'),
          width: 104,
          render: (_, f) => (
            <span className="drover-forward-bytes">
              <span title={t('tunnels.forward.bytesIn')} data-testid="forward-bytes-in" data-bytes={f.bytesIn}>
                <ArrowDownOutlined /> {formatBytes(f.bytesIn, i18n.language)}
              </span>
              <span title={t('tunnels.forward.bytesOut')} data-testid="forward-bytes-out" data-bytes={f.bytesOut}>
                <ArrowUpOutlined /> {formatBytes(f.bytesOut, i18n.language)}
              </span>
            </span>
          ),
        },
        {
          key: 'throughput',
          title: t('tunnels.forward.columns.throughput'),
          width: 176,
          render: (_, f) => (running ? <Throughput profileId={profileId} forwardId={f.id} /> : <Typography.Text type="secondary">—</Typography.Text>),
        },
        {
          key: 'details',
          title: t('tunnels.forward.columns.details'),
          render: (_, f) => <ForwardDetails forward={f} tunnelError={tunnelError} />,
        },
      ]}
    />
  );
}

function ForwardLabel({ forward: f }: { forward: ForwardStatus }) {
  const { t } = useTranslation();
  // Port 0 lets the system (or the server, for -R) pick one: show which it picked.
  const picked = f.boundPort !== undefined && !f.label.includes(`:${f.boundPort}`);
  return (
    <div className="drover-forward-label">
      <span className="drover-mono" data-testid="forward-label">
        {f.label}
      </span>
      {picked && (
        <Typography.Text type="secondary" className="drover-forward-bound">
          {t('tunnels.forward.boundPort', { port: f.boundPort })}
        </Typography.Text>
      )}
      {f.exposesLan && (
        <Tooltip title={t('tunnels.forward.lanHelp')}>
          <Tag color="warning" icon={<WarningOutlined aria-hidden />} className="drover-lan-tag" data-testid="forward-lan">
            {t('tunnels.forward.lan')}
          </Tag>
        </Tooltip>
      )}
    </div>
  );
}

function Throughput({ profileId, forwardId }: { profileId: string; forwardId: string }) {
  const { t, i18n } = useTranslation();
  const samples = useTunnelsStore(selectTraffic(profileId, forwardId));
  const values = (samples ?? []).map((s) => s.inPerSec + s.outPerSec);
  const last = samples?.[samples.length - 1];
  const current = last ? last.inPerSec + last.outPerSec : 0;
  const title = last
    ? t('tunnels.forward.rateTitle', { in: formatRate(last.inPerSec, i18n.language), out: formatRate(last.outPerSec, i18n.language) })
    : t('tunnels.forward.rateWaiting');
  return (
    <Tooltip title={title}>
      <span className={`drover-throughput${current > 0 ? ' drover-throughput-active' : ''}`} data-testid="forward-throughput" data-rate={Math.round(current)}>
        <Sparkline values={values} slots={HISTORY_LENGTH} width={80} title={title} />
        <span className="drover-throughput-rate">{formatRate(current, i18n.language)}</span>
      </span>
    </Tooltip>
  );
}

function ForwardDetails({ forward: f, tunnelError }: { forward: ForwardStatus; tunnelError: ErrorData | undefined }) {
  const { t, i18n } = useTranslation();
  const problem = f.state === 'port-in-use' || f.state === 'failed';
  const sameAsTunnel = f.state === 'failed' && f.lastError !== undefined && tunnelError?.message === f.lastError.message;
  return (
    <div className="drover-forward-details">
      {sameAsTunnel && (
        <Typography.Text type="secondary" data-testid="forward-stopped-with-tunnel">
          {t('tunnels.forward.stoppedWithTunnel')}
        </Typography.Text>
      )}
      {f.lastError && !sameAsTunnel && (
        <div className={problem ? 'drover-forward-error' : 'drover-forward-lasterror'} data-testid="forward-error" data-code={f.lastError.code}>
          {!problem && <Typography.Text type="secondary">{t('tunnels.forward.lastError')}: </Typography.Text>}
          <span className="drover-mono">{f.lastError.message}</span>
          {f.lastError.hint && (
            <div className="drover-forward-hint" data-testid="forward-hint">
              {f.lastError.hint}
            </div>
          )}
        </div>
      )}
      {f.probe && (
        <div data-testid="forward-probe" data-ok={String(f.probe.ok)}>
          {f.probe.ok ? (
            <Typography.Text type="success">
              {t('tunnels.forward.probeOk', { ms: f.probe.latencyMs !== undefined ? Math.round(f.probe.latencyMs) : '?' })}
            </Typography.Text>
          ) : (
            <Typography.Text type="danger">{t('tunnels.forward.probeFailed', { error: f.probe.error ?? '' })}</Typography.Text>
          )}
          <Typography.Text type="secondary"> · {new Date(f.probe.atMs).toLocaleTimeString(i18n.language)}</Typography.Text>
        </div>
      )}
      {!f.lastError && !f.probe && <Typography.Text type="secondary">—</Typography.Text>}
    </div>
  );
}
