import { CodeOutlined, ControlOutlined } from '@ant-design/icons';
import type { MinerLiveWorker } from '@contract/miners';
import { Button, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { FleetMachineLink } from '../fleet/machine-link';
import { useMinerView } from './miner-view';
import { celsius, DASH, formatBytesShort, pct, percentTone, taskShort, tempTone, workerTrouble, type Tone } from './miners-format';
import { useSecond } from './use-second';

export interface WorkerActions {
  tasks(key: string, w: MinerLiveWorker): void;
  terminal(key: string, w: MinerLiveWorker): void;
}

function T({ tone, children }: { tone: Tone; children: React.ReactNode }) {
  return <span className={`drover-miners-tone-${tone}`}>{children}</span>;
}

/** Troubled workers first (unreachable, then disabled), then by hostname. */
export function sortWorkers(workers: Readonly<Record<string, MinerLiveWorker>>): string[] {
  const rank = (w: MinerLiveWorker) => (workerTrouble(w) === 'unreachable' ? 0 : workerTrouble(w) === 'disabled' ? 1 : 2);
  return Object.entries(workers)
    .sort(([ka, a], [kb, b]) => rank(a) - rank(b) || a.hostname.localeCompare(b.hostname, undefined, { numeric: true }) || ka.localeCompare(kb))
    .map(([k]) => k);
}

function StateCell({ w }: { w: MinerLiveWorker }) {
  const { t } = useTranslation();
  const trouble = workerTrouble(w);
  const color = trouble === 'unreachable' ? 'error' : trouble === 'disabled' ? 'warning' : w.state === 'ok' ? 'success' : 'default';
  return (
    <Space size={4} direction="vertical" className="drover-miners-cellstack">
      <Tag color={color} data-testid="miners-worker-state" data-state={w.state}>
        {t(`miners.workerState.${w.state}`, { defaultValue: w.state })}
      </Tag>
      <Typography.Text type={w.connection === 'unreachable' ? 'danger' : 'secondary'} className="drover-miners-small">
        {t(`miners.connection.${w.connection}`, { defaultValue: w.connection })}
      </Typography.Text>
    </Space>
  );
}

function QueueCell({ w }: { w: MinerLiveWorker }) {
  const counts = Object.values(w.taskCounts).filter((c) => c.running > 0 || c.pending > 0);
  if (counts.length === 0) return <Typography.Text type="secondary">{DASH}</Typography.Text>;
  return (
    <span className="drover-miners-queues" data-testid="miners-worker-queues">
      {counts.map((c) => (
        <span key={c.short} className="drover-miners-queue" title={c.task ?? c.short}>
          <b>{c.short}</b> <span className="drover-miners-run">{c.running}</span>
          {c.max !== undefined ? `/${c.max}` : ''}
          {c.pending > 0 && <span className="drover-miners-pend"> +{c.pending}</span>}
        </span>
      ))}
    </span>
  );
}

/**
 * Every worker of the miner: task types, state and connection, running and pending per task,
 * CPU/GPU load and temperature, memory and disk. Unreachable and disabled workers come first,
 * marked in red and amber.
 */
export function WorkersTable({ actions, height }: { actions: WorkerActions; height: number }) {
  const { t } = useTranslation();
  const workers = useMinerView((s) => s.workers);
  const actionable = useMinerView((s) => s.actionable);
  const admin = useMinerView((s) => s.item?.access !== 'read');
  const kind = useMinerView((s) => s.item?.kind);
  const changedAt = useMinerView((s) => s.changedAtMs.workers);
  const now = useSecond();
  const order = useMemo(() => sortWorkers(workers), [workers]);
  const rows = useMemo(() => order.map((k) => ({ key: k, w: workers[k]! })), [order, workers]);

  const columns: ColumnsType<{ key: string; w: MinerLiveWorker }> = [
    {
      key: 'host',
      title: t('miners.workers.host'),
      width: 170,
      render: (_, { w }) => (
        <div className="drover-miners-cellstack">
          <Typography.Text strong ellipsis data-testid="miners-worker-host">
            {w.hostname}
          </Typography.Text>
          <Typography.Text type="secondary" className="drover-miners-small drover-miners-mono">
            {w.idShort} · {t(`miners.kind.${w.kind}`, { defaultValue: w.kind })}
          </Typography.Text>
          <FleetMachineLink hostname={w.hostname} lotusWorker={w.hostname} />
        </div>
      ),
    },
    { key: 'state', title: t('miners.workers.state'), width: 110, render: (_, { w }) => <StateCell w={w} /> },
    {
      key: 'tasks',
      title: t('miners.workers.tasks'),
      width: 170,
      render: (_, { w }) =>
        w.tasks === undefined ? (
          <Typography.Text type="secondary" className="drover-miners-small">
            {t('miners.workers.tasksUnknown')}
          </Typography.Text>
        ) : w.tasks.length === 0 ? (
          <Typography.Text type="danger">{t('miners.workers.noTasks')}</Typography.Text>
        ) : (
          <span className="drover-miners-tasklist">{w.tasks.map((x) => taskShort(x)).join(' ')}</span>
        ),
    },
    { key: 'queues', title: t('miners.workers.queues'), width: 170, render: (_, { w }) => <QueueCell w={w} /> },
    {
      key: 'cpu',
      title: t('miners.workers.cpu'),
      width: 110,
      render: (_, { w }) => (
        <div className="drover-miners-cellstack">
          <span>
            {w.cpu.inUse ?? DASH}/{w.cpu.cores ?? DASH}
          </span>
          {w.hardware && (w.hardware.cpuLoadPercent !== undefined || w.hardware.cpuTempC !== undefined) && (
            <span className="drover-miners-small">
              <T tone={percentTone(w.hardware.cpuLoadPercent)}>{pct(w.hardware.cpuLoadPercent)}</T> · <T tone={tempTone(w.hardware.cpuTempC)}>{celsius(w.hardware.cpuTempC)}</T>
            </span>
          )}
        </div>
      ),
    },
    {
      key: 'gpu',
      title: t('miners.workers.gpu'),
      width: 140,
      render: (_, { w }) =>
        w.gpu.count === 0 ? (
          <Typography.Text type="secondary">{DASH}</Typography.Text>
        ) : (
          <Tooltip title={w.gpu.names.join(', ')}>
            <div className="drover-miners-cellstack">
              <span>
                {w.gpu.count}× {w.gpu.usedText ? `· ${w.gpu.usedText}` : ''}
              </span>
              {w.hardware?.gpus && w.hardware.gpus.length > 0 && (
                <span className="drover-miners-small">
                  {w.hardware.gpus.map((g) => (
                    <span key={g.index}>
                      <T tone={percentTone(g.loadPercent)}>{pct(g.loadPercent)}</T> <T tone={tempTone(g.tempC)}>{celsius(g.tempC)}</T>{' '}
                    </span>
                  ))}
                </span>
              )}
            </div>
          </Tooltip>
        ),
    },
    {
      key: 'mem',
      title: t('miners.workers.memory'),
      width: 190,
      render: (_, { w }) => (
        <span className="drover-miners-small">
          {w.memory.ramText ??
            (w.memory.physicalBytes !== undefined ? `${formatBytesShort(w.memory.usedBytes ?? w.memory.tasksMinBytes)}/${formatBytesShort(w.memory.physicalBytes)}` : DASH)}
        </span>
      ),
    },
    {
      key: 'disk',
      title: t('miners.workers.disk'),
      width: 70,
      render: (_, { w }) => <T tone={percentTone(w.hardware?.diskUsePercent, 85, 92)}>{pct(w.hardware?.diskUsePercent)}</T>,
    },
    {
      key: 'actions',
      width: 84,
      fixed: 'right',
      render: (_, { key, w }) => (
        <Space size={2}>
          <Tooltip title={kind === 'cli' ? t('miners.workers.tasksCliOnly') : t('miners.workers.editTasks')}>
            <Button
              size="small"
              type="text"
              icon={<ControlOutlined />}
              disabled={!actionable || !admin || kind === 'cli'}
              aria-label={t('miners.workers.editTasks')}
              onClick={() => actions.tasks(key, w)}
              data-testid="miners-worker-tasks"
            />
          </Tooltip>
          <Tooltip title={t('miners.workers.terminal')}>
            <Button size="small" type="text" icon={<CodeOutlined />} aria-label={t('miners.workers.terminal')} onClick={() => actions.terminal(key, w)} data-testid="miners-worker-terminal" />
          </Tooltip>
        </Space>
      ),
    },
  ];

  return (
    <div className={actionable ? undefined : 'drover-stale'} data-testid="miners-workers">
      <Table<{ key: string; w: MinerLiveWorker }>
        size="small"
        virtual={rows.length > 60}
        rowKey="key"
        pagination={false}
        scroll={{ x: 1210, y: height }}
        dataSource={rows}
        columns={columns}
        locale={{ emptyText: t('miners.workers.none') }}
        rowClassName={({ key, w }) => {
          const trouble = workerTrouble(w);
          const at = changedAt?.[key];
          return [trouble ? `drover-miners-row-${trouble}` : '', at !== undefined && now - at < 2000 ? 'drover-miners-row-changed' : ''].join(' ');
        }}
        onRow={({ key, w }) => ({ 'data-testid': 'miners-worker-row', 'data-worker-key': key, 'data-hostname': w.hostname, 'data-state': w.state }) as React.HTMLAttributes<HTMLElement>}
      />
    </div>
  );
}
