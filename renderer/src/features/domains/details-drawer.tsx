import { ProblemItem } from './problem-item';
import { CameraOutlined, CodeOutlined, DeleteOutlined, ReloadOutlined, UndoOutlined } from '@ant-design/icons';
import type { BlockDevice, DomainDetails, InterfaceDevice, Snapshot, VcpuInfo } from '@contract/domains';
import { Alert, Button, Descriptions, Drawer, Empty, Flex, Skeleton, Table, Tabs, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatBytes } from '../../components/format';
import { actionLabel, useDomainActions } from './domain-actions';
import { DomainStateTag, formatKiB } from './domain-format';
import { useDomainsStore } from './domains-hooks';
import { hostUsable, selectDetails } from './domains-store';

const KIB_TAGS = new Set(['actual', 'swap_in', 'swap_out', 'unused', 'available', 'usable', 'rss', 'disk_caches']);

function counterText(name: string, v: number, locale: string): string {
  return /bytes$/.test(name) ? formatBytes(v, locale) : v.toLocaleString(locale);
}

function Counters({ stats, locale }: { stats: Record<string, number> | null; locale: string }) {
  const { t } = useTranslation();
  if (!stats) return <Typography.Text type="secondary">{t('domains.details.noCounters')}</Typography.Text>;
  return (
    <span className="drover-domain-counters">
      {Object.entries(stats).map(([k, v]) => (
        <span key={k}>
          <Typography.Text type="secondary">{k}</Typography.Text> {counterText(k, v, locale)}
        </span>
      ))}
    </span>
  );
}

function Overview({ d, locale }: { d: DomainDetails; locale: string }) {
  const { t } = useTranslation();
  const info = d.info;
  if (!info) return <Empty description={t('domains.details.noInfo')} />;
  const yesNo = (v: boolean | null) => (v === null ? '—' : v ? t('domains.table.yes') : t('domains.table.no'));
  return (
    <Descriptions size="small" column={2} bordered data-testid="domain-details-info">
      <Descriptions.Item label={t('domains.details.name')}>{info.name}</Descriptions.Item>
      <Descriptions.Item label="UUID">
        <Typography.Text className="drover-mono" copyable>
          {info.uuid}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('domains.table.id')}>{info.id ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('domains.table.state')}>{info.state ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('domains.details.osType')}>{info.osType ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('domains.table.vcpus')}>{info.vcpus ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('domains.details.cpuTime')}>{info.cpuTimeSec === null ? '—' : `${info.cpuTimeSec.toLocaleString(locale)} s`}</Descriptions.Item>
      <Descriptions.Item label={t('domains.details.maxMemory')}>{formatKiB(info.maxMemoryKiB, locale)}</Descriptions.Item>
      <Descriptions.Item label={t('domains.details.usedMemory')}>{formatKiB(info.usedMemoryKiB, locale)}</Descriptions.Item>
      <Descriptions.Item label={t('domains.table.persistent')}>{yesNo(info.persistent)}</Descriptions.Item>
      <Descriptions.Item label={t('domains.table.autostart')}>{yesNo(info.autostart)}</Descriptions.Item>
      <Descriptions.Item label={t('domains.details.managedSave')}>{yesNo(info.managedSave)}</Descriptions.Item>
      <Descriptions.Item label={t('domains.details.security')} span={2}>
        {info.securityModel ? `${info.securityModel}${info.securityDoi ? ` (DOI ${info.securityDoi})` : ''}${info.securityLabel ? ` · ${info.securityLabel}` : ''}` : '—'}
      </Descriptions.Item>
      {Object.entries(info.extra).map(([k, v]) => (
        <Descriptions.Item key={k} label={k}>
          {v}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

function MemoryStats({ stats, locale }: { stats: Record<string, number> | null; locale: string }) {
  const { t } = useTranslation();
  if (!stats) return <Empty description={t('domains.details.noMemoryStats')} />;
  return (
    <Descriptions size="small" column={2} bordered data-testid="domain-details-memory">
      {Object.entries(stats).map(([k, v]) => (
        <Descriptions.Item key={k} label={k}>
          {KIB_TAGS.has(k) ? formatKiB(v, locale) : v.toLocaleString(locale)}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

function Snapshots({ rowKey, snapshots, usable }: { rowKey: string; snapshots: readonly Snapshot[]; usable: boolean }) {
  const { t } = useTranslation();
  const actions = useDomainActions();
  return (
    <Flex vertical gap={8}>
      <Flex justify="flex-end">
        <Button size="small" icon={<CameraOutlined />} disabled={!usable} onClick={() => actions.run(rowKey, 'snapshot-create')} data-testid="domain-snapshot-create">
          {actionLabel(t, 'snapshot-create')}…
        </Button>
      </Flex>
      <Table<Snapshot>
        size="small"
        pagination={false}
        rowKey="name"
        dataSource={snapshots as Snapshot[]}
        data-testid="domain-snapshots"
        locale={{ emptyText: t('domains.details.noSnapshots') }}
        columns={[
          { title: t('domains.details.snapshotName'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
          { title: t('domains.details.created'), dataIndex: 'creationTime', render: (v: string | null) => v ?? '—' },
          { title: t('domains.table.state'), dataIndex: 'state', render: (v: string | null) => (v ? <Tag>{v}</Tag> : '—') },
          { title: t('domains.details.parent'), dataIndex: 'parent', render: (v: string | null) => v ?? '—' },
          {
            title: t('domains.table.actions'),
            key: 'actions',
            width: 220,
            render: (_v, s) => (
              <Flex gap={6}>
                <Button size="small" icon={<UndoOutlined />} disabled={!usable} onClick={() => actions.run(rowKey, 'snapshot-revert', { snapshot: s.name })} data-testid="domain-snapshot-revert">
                  {actionLabel(t, 'snapshot-revert')}
                </Button>
                <Button size="small" danger icon={<DeleteOutlined />} disabled={!usable} onClick={() => actions.run(rowKey, 'snapshot-delete', { snapshot: s.name })} data-testid="domain-snapshot-delete">
                  {actionLabel(t, 'snapshot-delete')}
                </Button>
              </Flex>
            ),
          },
        ]}
      />
    </Flex>
  );
}

/** dominfo, dommemstat, vcpuinfo, disks and interfaces with their counters, snapshots: read on demand. */
export function DetailsDrawer() {
  const { t, i18n } = useTranslation();
  const details = useDomainsStore(selectDetails);
  const row = useDomainsStore((s) => (details ? s.domains[details.key] : undefined));
  const host = useDomainsStore((s) => (row ? s.hosts[row.hostId] : undefined));
  const usable = useDomainsStore((s) => hostUsable(s.live, host));
  const close = useDomainsStore((s) => s.closeDetails);
  const reload = useDomainsStore((s) => s.reloadDetails);
  const actions = useDomainActions();
  const locale = i18n.language;
  const d = details?.data ?? null;

  const tabs = d
    ? [
        { key: 'info', label: t('domains.details.tabInfo'), children: <Overview d={d} locale={locale} /> },
        { key: 'memory', label: t('domains.details.tabMemory'), children: <MemoryStats stats={d.memoryStats} locale={locale} /> },
        {
          key: 'vcpus',
          label: t('domains.details.tabVcpus', { count: d.vcpus.length }),
          children: (
            <Table<VcpuInfo>
              size="small"
              pagination={false}
              rowKey="vcpu"
              dataSource={d.vcpus}
              data-testid="domain-details-vcpus"
              columns={[
                { title: 'vCPU', dataIndex: 'vcpu', width: 70 },
                { title: t('domains.details.hostCpu'), dataIndex: 'cpu', render: (v: number | null) => v ?? '—' },
                { title: t('domains.table.state'), dataIndex: 'state', render: (v: string | null) => v ?? '—' },
                { title: t('domains.details.cpuTime'), dataIndex: 'cpuTimeSec', render: (v: number | null) => (v === null ? '—' : `${v.toLocaleString(locale)} s`) },
                { title: t('domains.details.affinity'), dataIndex: 'affinity', render: (v: number[] | null, r) => (v ? `${v.join(', ')}${r.hostCpus ? ` / ${r.hostCpus}` : ''}` : '—') },
              ]}
            />
          ),
        },
        {
          key: 'disks',
          label: t('domains.details.tabDisks', { count: d.blockDevices.length }),
          children: (
            <Table<BlockDevice>
              size="small"
              pagination={false}
              rowKey="target"
              dataSource={d.blockDevices}
              data-testid="domain-details-disks"
              columns={[
                { title: t('domains.details.target'), dataIndex: 'target', width: 80 },
                { title: t('domains.details.source'), dataIndex: 'source', render: (v: string | null) => <Typography.Text className="drover-mono">{v ?? '—'}</Typography.Text> },
                { title: t('domains.details.device'), dataIndex: 'device', width: 80, render: (v: string | null) => v ?? '—' },
                { title: t('domains.details.counters'), dataIndex: 'stats', render: (v: Record<string, number> | null) => <Counters stats={v} locale={locale} /> },
              ]}
            />
          ),
        },
        {
          key: 'interfaces',
          label: t('domains.details.tabInterfaces', { count: d.interfaces.length }),
          children: (
            <Table<InterfaceDevice>
              size="small"
              pagination={false}
              rowKey={(r) => r.mac ?? r.name ?? ''}
              dataSource={d.interfaces}
              data-testid="domain-details-interfaces"
              columns={[
                { title: t('domains.details.interface'), dataIndex: 'name', width: 90, render: (v: string | null) => v ?? '—' },
                { title: 'MAC', dataIndex: 'mac', width: 150, render: (v: string | null) => <Typography.Text className="drover-mono">{v ?? '—'}</Typography.Text> },
                { title: t('domains.details.source'), dataIndex: 'source', render: (v: string | null, r) => `${r.type ?? ''} ${v ?? ''}`.trim() || '—' },
                { title: t('domains.details.model'), dataIndex: 'model', width: 80, render: (v: string | null) => v ?? '—' },
                { title: t('domains.details.counters'), dataIndex: 'stats', render: (v: Record<string, number> | null) => <Counters stats={v} locale={locale} /> },
              ]}
            />
          ),
        },
        { key: 'snapshots', label: t('domains.details.tabSnapshots', { count: d.snapshots.length }), children: <Snapshots rowKey={details!.key} snapshots={d.snapshots} usable={usable} /> },
      ]
    : [];

  return (
    <Drawer
      open={details !== null}
      onClose={close}
      size={860}
      title={
        row ? (
          <Flex gap={8} align="center" wrap>
            <span data-testid="domain-details-title">{row.name}</span>
            <DomainStateTag row={row} />
            <Typography.Text type="secondary">{host?.config.name}</Typography.Text>
          </Flex>
        ) : (
          t('domains.details.title')
        )
      }
      extra={
        <Flex gap={8}>
          <Button icon={<CodeOutlined />} disabled={!usable || row?.id === null} onClick={() => details && actions.openConsole(details.key)}>
            {t('domains.table.console')}
          </Button>
          <Button icon={<ReloadOutlined />} loading={details?.loading} onClick={() => void reload()} data-testid="domain-details-reload">
            {t('domains.details.reload')}
          </Button>
        </Flex>
      }
    >
      <div data-testid="domain-details-drawer" data-loading={details?.loading ? 'true' : 'false'} className={usable ? undefined : 'drover-stale'}>
        {details?.error && (
          <Alert type="error" showIcon title={t('domains.details.failed')} description={<ErrorDetails error={details.error} action="domainDetails" />} style={{ marginBottom: 12 }} />
        )}
        {d && d.problems.length > 0 && (
          <Alert
            type="warning"
            showIcon
            title={t('domains.details.problems', { count: d.problems.length })}
            description={
              <ul className="drover-domain-problems">
                {d.problems.map((p, i) => (
                  <ProblemItem key={i} problem={p} showDomain={false} />
                ))}
              </ul>
            }
            style={{ marginBottom: 12 }}
          />
        )}
        {!d && details?.loading && <Skeleton active paragraph={{ rows: 6 }} />}
        {d && <Tabs items={tabs} size="small" />}
      </div>
    </Drawer>
  );
}
