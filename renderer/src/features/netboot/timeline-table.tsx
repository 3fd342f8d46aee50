import { QuestionCircleOutlined, SearchOutlined } from '@ant-design/icons';
import type { NetbootMachineRow, NetbootStep } from '@contract/netboot';
import { Alert, Card, Empty, Flex, Input, Segmented, Spin, Table, Tag, Tooltip, Typography, type InputRef, type TableColumnsType } from 'antd';
import { useEffect, useMemo, useState, type HTMLAttributes, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatDuration } from '../../components/format';
import { useNow } from '../../components/use-now';
import { FleetMachineLink } from '../fleet/machine-link';
import { useNetbootStore } from './netboot-hooks';
import { isBooted, selectMachineDetail, selectNetbootLive, selectNetbootMachines, timelineRows, unknownClientRows, type MachineFilter } from './netboot-store';
import { StepCell, clockTime, useEventDetail } from './step-cell';

const FILTERS: readonly MachineFilter[] = ['all', 'booting', 'stuck', 'failing', 'booted'];
/** The step columns, in boot order ("file" = other boot files). */
const STEP_COLUMNS: readonly NetbootStep[] = ['script', 'kernel', 'initrd', 'file', 'config', 'env'];
const TABLE_HEIGHT = 420;

function StateTag({ m, serverNow }: { m: NetbootMachineRow; serverNow: number }) {
  const { t } = useTranslation();
  const step = t(`netboot.step.${m.lastStep}`);
  let tag;
  if (m.stuck) tag = <Tag color="error">{t('netboot.timeline.stuckFor', { duration: formatDuration(serverNow - m.stepSinceMs, t), step })}</Tag>;
  else if (isBooted(m)) tag = <Tag color="success">{t('netboot.timeline.booted')}</Tag>;
  else if (m.lastOutcome !== 'ok') tag = <Tag color="warning">{t('netboot.timeline.failing', { step, outcome: t(`netboot.outcome.${m.lastOutcome}`) })}</Tag>;
  else tag = <Tag color="processing">{t('netboot.timeline.booting', { step })}</Tag>;
  return m.reason ? (
    <Tooltip title={m.reason}>
      <span data-testid="netboot-machine-state">{tag}</span>
    </Tooltip>
  ) : (
    <span data-testid="netboot-machine-state">{tag}</span>
  );
}

/** Every event kept for one machine, fetched when its row is opened. */
function MachineEvents({ machineKey }: { machineKey: string }) {
  const { t, i18n } = useTranslation();
  const detail = useNetbootStore(selectMachineDetail(machineKey));
  const offset = useNetbootStore((s) => s.live.clockOffsetMs);
  const describe = useEventDetail();
  if (!detail || (detail.loading && !detail.timeline)) return <Spin size="small" description={t('netboot.timeline.detailsLoading')} />;
  if (detail.error) return <ErrorDetails error={detail.error} />;
  const events = detail.timeline?.events ?? [];
  const mac = machineKey.startsWith('ip:') ? undefined : machineKey;
  return (
    <div className="drover-nb-events" data-testid="netboot-machine-events" data-key={machineKey}>
      <Flex align="center" gap={8}>
        <Typography.Text type="secondary">{t('netboot.timeline.details', { key: machineKey })}</Typography.Text>
        <FleetMachineLink mac={mac} ip={mac ? undefined : machineKey.slice(3)} showUnknown />
      </Flex>
      <table className="drover-nb-event-table">
        <thead>
          <tr>
            <th>{t('netboot.timeline.event.time')}</th>
            <th>{t('netboot.timeline.event.step')}</th>
            <th>{t('netboot.timeline.event.outcome')}</th>
            <th>{t('netboot.timeline.event.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e, i) => (
            <tr key={`${e.firstAtMs}-${i}`} data-step={e.step} data-outcome={e.outcome}>
              <td className="drover-mono">
                {clockTime(e.atMs, offset, i18n.language)}
                {e.count > 1 && <span className="drover-nb-muted"> {t('netboot.timeline.event.repeated', { count: e.count, time: clockTime(e.firstAtMs, offset, i18n.language) })}</span>}
              </td>
              <td>{t(`netboot.stepLong.${e.step}`)}</td>
              <td className={`drover-nb-outcome-${e.outcome}`}>{t(`netboot.outcome.${e.outcome}`)}</td>
              <td>{describe(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A machine to show (from #/netboot?machine=…); `seq` tells two links to the same machine apart. */
export interface TimelineFocus {
  readonly key: string;
  readonly seq: number;
}

/** The boot timeline: one row per known machine (stuck ones first and highlighted), live; unknown clients below. */
export function TimelineTable({ searchRef, focus }: { searchRef: Ref<InputRef>; focus?: TimelineFocus | undefined }) {
  const { t } = useTranslation();
  const machines = useNetbootStore(selectNetbootMachines);
  const live = useNetbootStore(selectNetbootLive);
  const status = useNetbootStore((s) => s.status);
  const changedAt = useNetbootStore((s) => s.changedAtMs);
  const loadMachine = useNetbootStore((s) => s.loadMachine);
  const [filter, setFilter] = useState<MachineFilter>('all');
  const [search, setSearch] = useState('');
  const [expanded, setExpanded] = useState<readonly string[]>([]);
  // A link to one machine: find its row (search by its MAC or address) and open its events.
  const [focused, setFocused] = useState<TimelineFocus | undefined>(undefined);
  if (focus && focus !== focused) {
    setFocused(focus);
    setSearch(focus.key.startsWith('ip:') ? focus.key.slice(3) : focus.key);
    setFilter('all');
    setExpanded((keys) => (keys.includes(focus.key) ? keys : [...keys, focus.key]));
  }
  useEffect(() => {
    if (focus) void loadMachine(focus.key);
  }, [focus, loadMachine]);
  const now = useNow(1000, true);
  const serverNow = now + live.clockOffsetMs;
  const offset = live.clockOffsetMs;

  const rows = useMemo(() => timelineRows(machines, filter, search), [machines, filter, search]);
  const unknown = useMemo(() => unknownClientRows(machines), [machines]);
  const counts = useMemo(() => {
    let booted = 0;
    let stuck = 0;
    let failing = 0;
    let known = 0;
    for (const m of Object.values(machines)) {
      if (m.subnet === undefined || m.mac === undefined) continue;
      known++;
      if (isBooted(m)) booted++;
      if (m.stuck) stuck++;
      if (m.lastOutcome !== 'ok') failing++;
    }
    return { known, booted, stuck, failing };
  }, [machines]);

  const columns: TableColumnsType<NetbootMachineRow> = [
    {
      key: 'mac',
      title: t('netboot.timeline.col.machine'),
      width: 200,
      fixed: 'left',
      render: (_: unknown, m) => (
        <div className="drover-nb-machine">
          <Tooltip title={m.macSource ? t(`netboot.timeline.macFrom.${m.macSource}`) : undefined}>
            <span className="drover-mono" data-testid="netboot-mac">
              {m.mac}
            </span>
          </Tooltip>
          <span className="drover-nb-machine-sub">
            <span className="drover-mono drover-nb-muted drover-nb-machine-ip" data-testid="netboot-machine-ip">
              {m.ip}
            </span>
            <FleetMachineLink mac={m.mac} ip={m.ip} showUnknown />
          </span>
        </div>
      ),
    },
    {
      key: 'subnet',
      title: t('netboot.timeline.col.subnet'),
      width: 130,
      ellipsis: true,
      render: (_: unknown, m) => (
        <Tooltip title={m.cidr}>
          <span data-testid="netboot-machine-subnet">{m.subnet}</span>
        </Tooltip>
      ),
    },
    ...STEP_COLUMNS.map((step) => ({
      key: step,
      title: t(`netboot.step.${step}`),
      width: step === 'file' ? 72 : 86,
      render: (_: unknown, m: NetbootMachineRow) => <StepCell event={m.steps[step]} clockOffsetMs={offset} testId={`netboot-step-${step}`} />,
    })),
    {
      key: 'state',
      title: t('netboot.timeline.col.state'),
      render: (_: unknown, m) => <StateTag m={m} serverNow={serverNow} />,
    },
    {
      key: 'lastSeen',
      title: t('netboot.timeline.col.lastSeen'),
      width: 96,
      render: (_: unknown, m) => (
        <Tooltip title={t('netboot.timeline.bootCount', { count: m.boots })}>
          <span className="drover-nb-muted">{t('netboot.timeline.ago', { duration: formatDuration(serverNow - m.lastSeenMs, t) })}</span>
        </Tooltip>
      ),
    },
  ];

  const unknownColumns: TableColumnsType<NetbootMachineRow> = [
    { key: 'who', title: t('netboot.timeline.col.machine'), width: 190, render: (_: unknown, m) => <span className="drover-mono">{m.mac ?? '—'}</span> },
    { key: 'ip', title: t('netboot.timeline.col.ip'), width: 150, render: (_: unknown, m) => <span className="drover-mono">{m.ip}</span> },
    {
      key: 'why',
      title: t('netboot.timeline.col.state'),
      width: 220,
      render: (_: unknown, m) => (
        <Flex gap={4} wrap>
          {m.subnet === undefined && <Tag color="warning">{t('netboot.timeline.unknown.noSubnet')}</Tag>}
          {m.mac === undefined && <Tag color="warning">{t('netboot.timeline.unknown.noMac')}</Tag>}
        </Flex>
      ),
    },
    { key: 'step', title: t('netboot.timeline.event.step'), width: 130, render: (_: unknown, m) => <StepCell event={m.steps[m.lastStep]} clockOffsetMs={offset} /> },
    { key: 'reason', title: t('netboot.timeline.event.detail'), ellipsis: { showTitle: true }, render: (_: unknown, m) => <span className="drover-nb-muted">{m.reason ?? ''}</span> },
    {
      key: 'lastSeen',
      title: t('netboot.timeline.col.lastSeen'),
      width: 110,
      render: (_: unknown, m) => <span className="drover-nb-muted">{t('netboot.timeline.ago', { duration: formatDuration(serverNow - m.lastSeenMs, t) })}</span>,
    },
  ];

  const capped = status && status.machines > status.shownMachines;
  const uc = status?.unknownClients;

  return (
    <div className={`drover-nb-timeline${live.fresh ? '' : ' drover-stale'}`} data-testid="netboot-timeline">
      <Flex align="center" gap={12} wrap className="drover-nb-toolbar">
        <Typography.Text data-testid="netboot-timeline-summary">{t('netboot.timeline.summary', { count: counts.known, ...counts })}</Typography.Text>
        {capped && <Tag color="default">{t('netboot.timeline.capped', { shown: status.shownMachines, total: status.machines })}</Tag>}
        {status !== undefined && status.evicted > 0 && <Tag color="default">{t('netboot.timeline.evicted', { count: status.evicted })}</Tag>}
        <div style={{ flex: 1 }} />
        <Segmented<MachineFilter>
          size="small"
          value={filter}
          onChange={setFilter}
          options={FILTERS.map((f) => ({ value: f, label: <span data-testid={`netboot-filter-${f}`}>{t(`netboot.timeline.filter.${f}`)}</span> }))}
        />
        <Input
          ref={searchRef}
          allowClear
          size="small"
          prefix={<SearchOutlined />}
          placeholder={t('netboot.timeline.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ width: 260 }}
          data-testid="netboot-search"
        />
      </Flex>
      <Table<NetbootMachineRow>
        size="small"
        virtual
        rowKey="key"
        columns={columns}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 1130, y: TABLE_HEIGHT }}
        data-testid="netboot-machines"
        rowClassName={(m) => [m.stuck ? 'drover-nb-row-stuck' : '', now - (changedAt[m.key] ?? 0) < 2000 ? 'drover-nb-row-changed' : ''].join(' ')}
        onRow={(m) => ({ 'data-key': m.key, 'data-stuck': String(m.stuck) }) as HTMLAttributes<HTMLElement>}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={Object.keys(machines).length === 0 ? t('netboot.timeline.empty') : t('netboot.timeline.emptyFiltered')} /> }}
        expandable={{
          fixed: 'left',
          columnWidth: 36,
          expandedRowKeys: expanded,
          onExpand: (open, m) => {
            setExpanded((keys) => (open ? [...keys, m.key] : keys.filter((k) => k !== m.key)));
            if (open) void loadMachine(m.key);
          },
          expandedRowRender: (m) => <MachineEvents machineKey={m.key} />,
        }}
      />
      <Card
        size="small"
        className="drover-nb-unknown"
        data-testid="netboot-unknown"
        title={
          <Flex align="center" gap={8}>
            {t('netboot.timeline.unknown.title')}
            <Tooltip title={t('netboot.timeline.unknown.help')}>
              <QuestionCircleOutlined className="drover-nb-muted" />
            </Tooltip>
          </Flex>
        }
        extra={
          uc && (
            <Typography.Text type="secondary" data-testid="netboot-unknown-summary">
              {t('netboot.timeline.unknown.summary', { ...uc, count: uc.machines })}
            </Typography.Text>
          )
        }
      >
        {unknown.length === 0 ? (
          <Typography.Text type="secondary">{t('netboot.timeline.unknown.none')}</Typography.Text>
        ) : (
          <Table<NetbootMachineRow> size="small" virtual rowKey="key" columns={unknownColumns} dataSource={unknown} pagination={false} scroll={{ x: 1000, y: 200 }} onRow={(m) => ({ 'data-key': m.key }) as HTMLAttributes<HTMLElement>} />
        )}
      </Card>
      {!live.fresh && live.connected && <Alert type="info" showIcon title={t('netboot.loading')} />}
    </div>
  );
}
