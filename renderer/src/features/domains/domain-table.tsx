import {
  CameraOutlined,
  CaretRightOutlined,
  CodeOutlined,
  DeleteOutlined,
  EllipsisOutlined,
  InfoCircleOutlined,
  PauseOutlined,
  PoweroffOutlined,
  SaveOutlined,
  StopOutlined,
  SwapOutlined,
  SyncOutlined,
  ThunderboltOutlined,
  UndoOutlined,
} from '@ant-design/icons';
import type { DomainAction, DomainRow } from '@contract/domains';
import { Button, Dropdown, Table, Tag, Tooltip, Typography, type MenuProps, type TableColumnsType } from 'antd';
import { memo, useMemo, type HTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration, formatRate } from '../../components/format';
import { useNow } from '../../components/use-now';
import { actionLabel, useDomainActions } from './domain-actions';
import { DomainStateTag, formatKiB, formatPercent } from './domain-format';
import { useDomainsStore } from './domains-hooks';
import { actionApplies, hostUsable, isDestructive, rowStale, selectBusy, selectRow, type DomainsState } from './domains-store';

const ICONS: Partial<Record<DomainAction, ReactNode>> = {
  start: <CaretRightOutlined />,
  shutdown: <PoweroffOutlined />,
  reboot: <SyncOutlined />,
  reset: <ThunderboltOutlined />,
  suspend: <PauseOutlined />,
  resume: <CaretRightOutlined />,
  destroy: <StopOutlined />,
  managedsave: <SaveOutlined />,
  'managedsave-remove': <DeleteOutlined />,
  save: <SaveOutlined />,
  restore: <UndoOutlined />,
  migrate: <SwapOutlined />,
  'snapshot-create': <CameraOutlined />,
};

/** The menu order of "More". */
const MORE: readonly (DomainAction | 'divider')[] = [
  'reboot',
  'reset',
  'divider',
  'autostart-enable',
  'autostart-disable',
  'divider',
  'managedsave',
  'managedsave-remove',
  'save',
  'restore',
  'snapshot-create',
  'migrate',
  'divider',
  'destroy',
];

/** "up 3 h 12 min" from when Drover saw it start; "—" when it was running before (unknown). */
function Uptime({ row, offsetMs }: { row: DomainRow; offsetMs: number }) {
  const { t } = useTranslation();
  const running = row.id !== null;
  const now = useNow(1000, running && row.runningSinceMs !== null);
  if (!running) return <Typography.Text type="secondary">—</Typography.Text>;
  if (row.runningSinceMs === null)
    return (
      <Tooltip title={t('domains.table.uptimeUnknown')}>
        <Typography.Text type="secondary">{t('domains.table.before')}</Typography.Text>
      </Tooltip>
    );
  return <span data-testid="domain-uptime">{formatDuration(now + offsetMs - row.runningSinceMs, t)}</span>;
}

/** Start/Shut down, Suspend/Resume, Console, Details, and More (every other action). */
export const RowActions = memo(function RowActions({ rowKey }: { rowKey: string }) {
  const { t } = useTranslation();
  const row = useDomainsStore(selectRow(rowKey));
  const busy = useDomainsStore(selectBusy(rowKey));
  const usable = useDomainsStore((s) => (row ? hostUsable(s.live, s.hosts[row.hostId]) : false));
  const openDetails = useDomainsStore((s) => s.openDetails);
  const actions = useDomainActions();
  if (!row) return null;
  const disabled = !usable || busy !== undefined;
  const button = (action: DomainAction, primary = false) => (
    <Tooltip title={actionLabel(t, action)} key={action}>
      <Button
        size="small"
        type={primary ? 'primary' : 'default'}
        ghost={primary}
        icon={ICONS[action]}
        loading={busy === action}
        disabled={disabled}
        onClick={(e) => {
          e.stopPropagation();
          actions.run(rowKey, action);
        }}
        aria-label={actionLabel(t, action)}
        data-testid={`domain-action-${action}`}
      />
    </Tooltip>
  );
  const active = row.id !== null;
  const items: MenuProps['items'] = MORE.filter((a, i, all) => a !== 'divider' || (i > 0 && all[i - 1] !== 'divider')).map((a, i) =>
    a === 'divider'
      ? { type: 'divider' as const, key: `d${i}` }
      : {
          key: a,
          icon: ICONS[a],
          danger: isDestructive(a) && a !== 'restore',
          disabled: !actionApplies(a, row),
          label: <span data-testid={`domain-menu-${a}`}>{`${actionLabel(t, a)}${DIALOG_HINT.has(a) || isDestructive(a) ? '…' : ''}`}</span>,
        },
  );
  return (
    <span className="drover-domain-actions" onClick={(e) => e.stopPropagation()}>
      {active ? button('shutdown') : button('start', true)}
      {row.state === 'paused' ? button('resume') : button('suspend')}
      <Tooltip title={t('domains.table.consoleHelp')}>
        <Button size="small" icon={<CodeOutlined />} disabled={!usable || !active} onClick={() => actions.openConsole(rowKey)} aria-label={t('domains.table.console')} data-testid="domain-console" />
      </Tooltip>
      <Tooltip title={t('domains.table.details')}>
        <Button size="small" icon={<InfoCircleOutlined />} onClick={() => void openDetails(rowKey)} aria-label={t('domains.table.details')} data-testid="domain-details" />
      </Tooltip>
      <Dropdown
        disabled={disabled}
        trigger={['click']}
        menu={{ items, onClick: ({ key }) => actions.run(rowKey, key as DomainAction) }}
      >
        <Button size="small" data-testid="domain-more" aria-label={t('domains.table.more')}>
          <EllipsisOutlined />
        </Button>
      </Dropdown>
    </span>
  );
});

const DIALOG_HINT = new Set<DomainAction>(['save', 'restore', 'snapshot-create', 'migrate']);

interface TableProps {
  keys: readonly string[];
  height: number;
  showHost: boolean;
}

/**
 * Every visible domain in one virtualized table (thousands of rows stay smooth): state with its
 * reason, vCPUs, memory, CPU and memory use from domstats deltas, I/O rates, flags, uptime and
 * the actions. A row whose host is not live is drawn stale, and its actions wait.
 */
export function DomainTable({ keys, height, showHost }: TableProps) {
  const { t, i18n } = useTranslation();
  const domains = useDomainsStore((s: DomainsState) => s.domains);
  const hosts = useDomainsStore((s) => s.hosts);
  const live = useDomainsStore((s) => s.live);
  const selection = useDomainsStore((s) => s.selection);
  const cursor = useDomainsStore((s) => s.cursor);
  const changedAtMs = useDomainsStore((s) => s.changedAtMs);
  const setSelection = useDomainsStore((s) => s.setSelection);
  const setCursor = useDomainsStore((s) => s.setCursor);
  const openDetails = useDomainsStore((s) => s.openDetails);
  const now = useNow(1000, true);
  const locale = i18n.language;

  const data = useMemo(() => keys.map((key) => ({ key, row: domains[key]! })).filter((x) => x.row !== undefined), [keys, domains]);

  const columns = useMemo<TableColumnsType<{ key: string; row: DomainRow }>>(() => {
    const cols: TableColumnsType<{ key: string; row: DomainRow }> = [
      {
        title: t('domains.table.name'),
        key: 'name',
        width: 180,
        fixed: 'left',
        render: (_v, { row }) => (
          <div className="drover-domain-name-cell">
            <Typography.Text strong ellipsis={{ tooltip: row.name }} data-testid="domain-name" className="drover-domain-name">
              {row.name}
            </Typography.Text>
            <Typography.Text type="secondary" className="drover-mono drover-domain-uuid" copyable={{ text: row.uuid, tooltips: [t('domains.table.copyUuid'), t('domains.table.copied')] }}>
              {row.uuid}
            </Typography.Text>
          </div>
        ),
      },
    ];
    if (showHost)
      cols.push({
        title: t('domains.table.host'),
        key: 'host',
        width: 140,
        render: (_v, { row }) => (
          <Typography.Text ellipsis={{ tooltip: hosts[row.hostId]?.route }} data-testid="domain-row-host">
            {hosts[row.hostId]?.config.name ?? row.hostId}
          </Typography.Text>
        ),
      });
    cols.push(
      { title: t('domains.table.state'), key: 'state', width: 140, render: (_v, { row }) => <DomainStateTag row={row} /> },
      { title: t('domains.table.id'), key: 'id', width: 46, align: 'right', render: (_v, { row }) => row.id ?? '—' },
      {
        title: t('domains.table.vcpus'),
        key: 'vcpus',
        width: 66,
        align: 'right',
        render: (_v, { row }) => (row.vcpus === null ? '—' : row.vcpusMax !== null && row.vcpusMax !== row.vcpus ? `${row.vcpus}/${row.vcpusMax}` : String(row.vcpus)),
      },
      {
        title: <Tooltip title={t('domains.table.memoryHelp')}>{t('domains.table.memory')}</Tooltip>,
        key: 'memory',
        width: 122,
        align: 'right',
        render: (_v, { row }) => (row.memoryMaxKiB !== null && row.memoryMaxKiB !== row.memoryKiB ? `${formatKiB(row.memoryKiB, locale)} / ${formatKiB(row.memoryMaxKiB, locale)}` : formatKiB(row.memoryKiB, locale)),
      },
      {
        title: <Tooltip title={t('domains.table.cpuHelp')}>{t('domains.table.cpu')}</Tooltip>,
        key: 'cpu',
        width: 64,
        align: 'right',
        render: (_v, { row }) => (
          <span data-testid="domain-cpu" data-value={row.cpuPercent ?? ''}>
            {formatPercent(row.cpuPercent)}
          </span>
        ),
      },
      {
        title: <Tooltip title={t('domains.table.memUsedHelp')}>{t('domains.table.memUsed')}</Tooltip>,
        key: 'memUsed',
        width: 96,
        align: 'right',
        render: (_v, { row }) =>
          row.memoryUsedKiB === null && row.memoryRssKiB === null ? (
            <Typography.Text type="secondary">—</Typography.Text>
          ) : (
            <Tooltip title={t('domains.table.memUsedDetail', { used: formatKiB(row.memoryUsedKiB, locale), rss: formatKiB(row.memoryRssKiB, locale) })}>
              <span>{row.memoryUsedKiB !== null ? formatKiB(row.memoryUsedKiB, locale) : `${formatKiB(row.memoryRssKiB, locale)} RSS`}</span>
            </Tooltip>
          ),
      },
      {
        title: <Tooltip title={t('domains.table.ioHelp')}>{t('domains.table.io')}</Tooltip>,
        key: 'io',
        width: 160,
        // Shown on wide windows only (≥ 1600 px): CPU and memory matter first.
        responsive: ['xxl'],
        render: (_v, { row }) => {
          const r = (n: number | null) => (n === null ? '—' : formatRate(n, locale));
          if (row.diskReadBytesPerSec === null && row.netRxBytesPerSec === null) return <Typography.Text type="secondary">—</Typography.Text>;
          return (
            <div className="drover-domain-io">
              <span>
                {t('domains.table.disk')} ↓{r(row.diskReadBytesPerSec)} ↑{r(row.diskWriteBytesPerSec)}
              </span>
              <span>
                {t('domains.table.net')} ↓{r(row.netRxBytesPerSec)} ↑{r(row.netTxBytesPerSec)}
              </span>
            </div>
          );
        },
      },
      {
        title: t('domains.table.flags'),
        key: 'flags',
        width: 96,
        render: (_v, { row }) => (
          <span className="drover-domain-flags" data-testid="domain-flags" data-autostart={String(row.autostart)} data-persistent={String(row.persistent)}>
            {row.autostart && <Tag color="blue">{t('domains.table.autostartTag')}</Tag>}
            {row.persistent === false && <Tag color="purple">{t('domains.table.transient')}</Tag>}
            {!row.autostart && row.persistent !== false && <Typography.Text type="secondary">—</Typography.Text>}
          </span>
        ),
      },
      { title: <Tooltip title={t('domains.table.uptimeHelp')}>{t('domains.table.uptime')}</Tooltip>, key: 'uptime', width: 90, render: (_v, { row }) => <Uptime row={row} offsetMs={live.clockOffsetMs} /> },
      { title: t('domains.table.actions'), key: 'actions', width: 176, fixed: 'right', render: (_v, { key }) => <RowActions rowKey={key} /> },
    );
    return cols;
  }, [t, showHost, hosts, locale, live.clockOffsetMs]);

  return (
    <Table
      className="drover-domain-table"
      data-testid="domain-table"
      size="small"
      virtual
      scroll={{ x: 1080, y: height }}
      pagination={false}
      dataSource={data}
      columns={columns}
      rowKey="key"
      rowSelection={{
        selectedRowKeys: selection as string[],
        // The selection outlives the filters (search, host, state): bulk acts on all of it.
        preserveSelectedRowKeys: true,
        onChange: (keys) => setSelection(keys as string[]),
        columnWidth: 36,
        fixed: true,
      }}
      rowClassName={({ key, row }) => {
        const cls: string[] = [];
        if (rowStale(live, hosts[row.hostId])) cls.push('drover-stale');
        if (key === cursor) cls.push('drover-domain-cursor');
        const at = changedAtMs[key];
        if (at !== undefined && now - at < 2000) cls.push('drover-domain-changed');
        return cls.join(' ');
      }}
      onRow={({ key, row }) =>
        ({
          'data-testid': 'domain-row',
          'data-key': key,
          'data-name': row.name,
          'data-state': row.state,
          'data-host': row.hostId,
          onClick: () => setCursor(key),
          onDoubleClick: () => void openDetails(key),
        }) as HTMLAttributes<HTMLElement>
      }
      locale={{ emptyText: t('domains.table.empty') }}
    />
  );
}
