import { CodeOutlined, DeleteOutlined, EditOutlined, ReloadOutlined } from '@ant-design/icons';
import type { FleetHostState } from '@contract/fleet';
import { routeLabel } from '@contract/ssh';
import { Badge, Button, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatRate } from '../../components/format';
import { useNow } from '../../components/use-now';
import { ago, celsius, DASH, num, pct, tempTone, percentTone } from './fleet-format';

export interface HostTableProps {
  rows: readonly FleetHostState[];
  fresh: boolean;
  clockOffsetMs: number;
  intervalSec: number;
  selected: string | null;
  onOpen(id: string): void;
  onTerminal(h: FleetHostState): void;
  onRetry(id: string): void;
  onEdit(h: FleetHostState): void;
  onRemove(h: FleetHostState): void;
}

/** The height left for the table body in its container (virtual tables need a number). */
function useBodyHeight(min = 240): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [h, setH] = useState(min);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setH(Math.max(min, window.innerHeight - el.getBoundingClientRect().top - 72));
    update();
    const ro = new ResizeObserver(update);
    ro.observe(document.body);
    window.addEventListener('resize', update);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', update);
    };
  }, [min]);
  return [ref, h];
}

function Tone({ tone, children, testId }: { tone: string; children: ReactNode; testId?: string }) {
  return (
    <span className={`drover-fleet-tone drover-fleet-tone-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

/** Up, down (since when, last seen), or not probed yet; stale when the last probe is old. */
export function HeartbeatCell({ h, serverNow, intervalSec }: { h: FleetHostState; serverNow: number; intervalSec: number }) {
  const { t } = useTranslation();
  const hb = h.heartbeat;
  const late = hb.status === 'up' && hb.lastSeenMs !== null && serverNow - hb.lastSeenMs > intervalSec * 2500 + 10_000;
  const status = hb.status === 'up' ? (hb.missed > 0 ? 'missing' : late ? 'late' : 'up') : hb.status;
  const color = status === 'up' ? 'success' : status === 'down' ? 'error' : status === 'unknown' ? 'default' : 'warning';
  const tip = (
    <div>
      <div>{t('fleet.host.lastSeen', { when: hb.lastSeenMs === null ? t('fleet.host.never') : ago(hb.lastSeenMs, serverNow, t) })}</div>
      {hb.missed > 0 && <div>{t('fleet.host.missed', { count: hb.missed })}</div>}
      {h.lastError && <div className="drover-mono">{h.lastError.message}</div>}
      <div>{t('fleet.host.connection', { state: t(`fleet.connection.${connectionKey(h.connection)}`) })}</div>
    </div>
  );
  return (
    <Tooltip title={tip}>
      <span data-testid="fleet-host-status" data-status={hb.status} data-missed={hb.missed}>
        <Badge status={color === 'default' ? 'default' : color} text={t(`fleet.status.${status}`)} />
        {hb.status === 'down' && (
          <Typography.Text type="secondary" className="drover-fleet-lastseen" data-testid="fleet-host-last-seen">
            {' '}
            {t('fleet.host.lastSeenShort', { when: hb.lastSeenMs === null ? t('fleet.host.never') : ago(hb.lastSeenMs, serverNow, t) })}
          </Typography.Text>
        )}
      </span>
    </Tooltip>
  );
}

export function connectionKey(state: string): 'idle' | 'connecting' | 'ready' | 'backoff' | 'waiting' | 'failed' | 'other' {
  return state === 'idle' || state === 'connecting' || state === 'ready' || state === 'backoff' || state === 'waiting' || state === 'failed' ? state : 'other';
}

/** Every host of the inventory in one virtualized table, with what its latest probe said. */
export function HostTable(props: HostTableProps) {
  const { t } = useTranslation();
  const now = useNow(1000, true) + props.clockOffsetMs;
  const [ref, height] = useBodyHeight();
  const fresh = props.fresh;

  const columns: ColumnsType<FleetHostState> = [
    {
      key: 'status',
      title: t('fleet.columns.status'),
      width: 130,
      render: (_, h) => <HeartbeatCell h={h} serverNow={now} intervalSec={props.intervalSec} />,
    },
    {
      key: 'name',
      title: t('fleet.columns.host'),
      render: (_, h) => (
        <div className="drover-fleet-name">
          <span>
            <Typography.Text strong ellipsis data-testid="fleet-host-name">
              {h.host.name}
            </Typography.Text>{' '}
            <Tag className="drover-fleet-group-tag">{h.host.group}</Tag>
          </span>
          <Typography.Text type="secondary" ellipsis className="drover-mono drover-fleet-sub">
            {h.summary?.hostname && h.summary.hostname !== h.host.name ? `${h.summary.hostname} · ` : ''}
            {routeLabel(h.host.target, h.host.jumps)}
          </Typography.Text>
        </div>
      ),
    },
    {
      key: 'cpu',
      title: t('fleet.columns.cpu'),
      width: 170,
      render: (_, h) => (
        <span data-testid="fleet-host-cpu">
          <Tone tone={percentTone(h.summary?.cpuUsePercent)}>{pct(h.summary?.cpuUsePercent)}</Tone>
          <Typography.Text type="secondary"> · {t('fleet.columns.loadShort')} {num(h.summary?.load1)}</Typography.Text>
          {h.summary?.cpuTempC !== null && h.summary?.cpuTempC !== undefined && (
            <>
              {' · '}
              <Tone tone={tempTone(h.summary.cpuTempC)} testId="fleet-host-temp">
                {celsius(h.summary.cpuTempC)}
              </Tone>
            </>
          )}
        </span>
      ),
    },
    {
      key: 'mem',
      title: t('fleet.columns.memory'),
      width: 80,
      render: (_, h) => (
        <span data-testid="fleet-host-mem">
          <Tone tone={percentTone(h.summary?.memUsePercent, 85, 95)}>{pct(h.summary?.memUsePercent)}</Tone>
        </span>
      ),
    },
    {
      key: 'disk',
      title: t('fleet.columns.disk'),
      width: 130,
      render: (_, h) => (
        <Tooltip title={h.summary?.diskUseMaxMount ?? undefined}>
          <span data-testid="fleet-host-disk">
            <Tone tone={percentTone(h.summary?.diskUseMaxPercent, 85, 90)}>{pct(h.summary?.diskUseMaxPercent)}</Tone>
            {h.summary?.diskUseMaxMount && (
              <Typography.Text type="secondary" className="drover-mono">
                {' '}
                {h.summary.diskUseMaxMount}
              </Typography.Text>
            )}
          </span>
        </Tooltip>
      ),
    },
    {
      key: 'gpu',
      title: t('fleet.columns.gpu'),
      width: 130,
      render: (_, h) =>
        !h.summary || h.summary.gpuCount === 0 ? (
          <Typography.Text type="secondary">{DASH}</Typography.Text>
        ) : (
          <span data-testid="fleet-host-gpu">
            {h.summary.gpuCount}× <Tone tone={tempTone(h.summary.gpuTempMaxC)}>{celsius(h.summary.gpuTempMaxC)}</Tone>
            <Typography.Text type="secondary"> · {pct(h.summary.gpuUtilAvgPercent)}</Typography.Text>
          </span>
        ),
    },
    {
      key: 'io',
      title: t('fleet.columns.io'),
      width: 165,
      render: (_, h) =>
        !h.summary ? (
          <Typography.Text type="secondary">{DASH}</Typography.Text>
        ) : (
          <Typography.Text type="secondary" className="drover-fleet-io">
            {t('fleet.columns.diskIo', { read: rate(h.summary.diskReadBytesPerSec), write: rate(h.summary.diskWriteBytesPerSec) })}
            <br />
            {t('fleet.columns.netIo', { rx: rate(h.summary.netRxBytesPerSec), tx: rate(h.summary.netTxBytesPerSec) })}
          </Typography.Text>
        ),
    },
    {
      key: 'alerts',
      title: t('fleet.columns.alerts'),
      width: 76,
      render: (_, h) =>
        h.alerts.firing === 0 ? (
          <Typography.Text type="secondary">{DASH}</Typography.Text>
        ) : (
          <Tag color={h.alerts.worst === 'critical' ? 'error' : 'warning'} data-testid="fleet-host-alerts">
            {h.alerts.firing}
            {h.alerts.unacked < h.alerts.firing ? ` (${h.alerts.firing - h.alerts.unacked} ✓)` : ''}
          </Tag>
        ),
    },
    {
      key: 'actions',
      width: 124,
      fixed: 'right',
      render: (_, h) => (
        <Space size={2} onClick={(e) => e.stopPropagation()}>
          <Tooltip title={`${t('fleet.actions.terminal')} (T)`}>
            <Button size="small" type="text" icon={<CodeOutlined />} aria-label={t('fleet.actions.terminal')} onClick={() => props.onTerminal(h)} data-testid="fleet-host-terminal" />
          </Tooltip>
          <Tooltip title={t('fleet.actions.retry')}>
            <Button size="small" type="text" icon={<ReloadOutlined />} disabled={!fresh} aria-label={t('fleet.actions.retry')} onClick={() => props.onRetry(h.host.id)} data-testid="fleet-host-retry" />
          </Tooltip>
          <Tooltip title={`${t('fleet.actions.edit')} (E)`}>
            <Button size="small" type="text" icon={<EditOutlined />} disabled={!fresh} aria-label={t('fleet.actions.edit')} onClick={() => props.onEdit(h)} data-testid="fleet-host-edit" />
          </Tooltip>
          <Tooltip title={`${t('fleet.actions.remove')} (Del)`}>
            <Button size="small" type="text" danger icon={<DeleteOutlined />} disabled={!fresh} aria-label={t('fleet.actions.remove')} onClick={() => props.onRemove(h)} data-testid="fleet-host-remove" />
          </Tooltip>
        </Space>
      ),
    },
  ];

  return (
    <div ref={ref} className={fresh ? undefined : 'drover-stale'}>
      <Table<FleetHostState>
        size="small"
        virtual
        rowKey={(h) => h.host.id}
        pagination={false}
        scroll={{ x: 1140, y: height }}
        dataSource={props.rows as FleetHostState[]}
        columns={columns}
        rowClassName={(h) => (h.host.id === props.selected ? 'drover-fleet-row-selected' : h.heartbeat.status === 'down' ? 'drover-fleet-row-down' : '')}
        onRow={(h) =>
          ({
            onClick: () => props.onOpen(h.host.id),
            'data-testid': 'fleet-host-row',
            'data-host-id': h.host.id,
            'data-host-name': h.host.name,
            'data-status': h.heartbeat.status,
            style: { cursor: 'pointer' },
          }) as React.HTMLAttributes<HTMLElement>
        }
        data-testid="fleet-host-table"
      />
    </div>
  );
}

function rate(v: number | null): string {
  return v === null ? DASH : formatRate(v);
}
