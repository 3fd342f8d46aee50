import { SearchOutlined } from '@ant-design/icons';
import type { SubnetCounts } from '@contract/netboot';
import { Empty, Flex, Input, Table, Tooltip, Typography, type InputRef, type TableColumnsType } from 'antd';
import { useMemo, useState, type HTMLAttributes, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { useNetbootStore } from './netboot-hooks';
import { selectNetbootLive, selectNetbootSubnets, subnetRows } from './netboot-store';

const BY_STEP = ['script', 'kernel', 'initrd', 'config', 'env'] as const;

/** Per-subnet counts (1,000 subnets and more: virtualized), live. */
export function SubnetTable({ searchRef }: { searchRef: Ref<InputRef> }) {
  const { t } = useTranslation();
  const subnets = useNetbootStore(selectNetbootSubnets);
  const live = useNetbootStore(selectNetbootLive);
  const [search, setSearch] = useState('');
  const rows = useMemo(() => subnetRows(subnets, search), [subnets, search]);
  const num = (n: number, warn = false) => <span className={n > 0 && warn ? 'drover-nb-warn-number' : n === 0 ? 'drover-nb-muted' : undefined}>{n}</span>;

  const columns: TableColumnsType<SubnetCounts> = [
    { key: 'subnet', title: t('netboot.subnets.col.subnet'), width: 170, fixed: 'left', ellipsis: true, render: (_: unknown, s) => <span data-testid="netboot-subnet-name">{s.subnet}</span> },
    { key: 'cidr', title: t('netboot.subnets.col.cidr'), width: 170, render: (_: unknown, s) => <span className="drover-mono">{s.cidr}</span> },
    { key: 'machines', title: t('netboot.subnets.col.machines'), width: 84, align: 'right', render: (_: unknown, s) => <span data-testid="netboot-subnet-machines">{num(s.machines)}</span> },
    { key: 'booted', title: t('netboot.subnets.col.booted'), width: 80, align: 'right', render: (_: unknown, s) => <span data-testid="netboot-subnet-booted">{num(s.booted)}</span> },
    { key: 'stuck', title: t('netboot.subnets.col.stuck'), width: 70, align: 'right', render: (_: unknown, s) => <span data-testid="netboot-subnet-stuck">{num(s.stuck, true)}</span> },
    { key: 'failing', title: t('netboot.subnets.col.failing'), width: 70, align: 'right', render: (_: unknown, s) => num(s.failing, true) },
    {
      key: 'byStep',
      title: (
        <Tooltip title={t('netboot.subnets.col.atStepHelp')}>
          <span>{t('netboot.subnets.col.atStep')}</span>
        </Tooltip>
      ),
      width: 170,
      render: (_: unknown, s) => <span className="drover-mono drover-nb-by-step">{BY_STEP.map((step) => s.byStep[step]).join(' / ')}</span>,
    },
    { key: 'requests', title: t('netboot.subnets.col.requests'), width: 90, align: 'right', render: (_: unknown, s) => <span data-testid="netboot-subnet-requests">{num(s.requests)}</span> },
    { key: 'fallbacks', title: t('netboot.subnets.col.fallbacks'), width: 100, align: 'right', render: (_: unknown, s) => num(s.fallbacks, true) },
  ];

  return (
    <div className={live.fresh ? undefined : 'drover-stale'} data-testid="netboot-subnets">
      <Flex align="center" gap={12} wrap className="drover-nb-toolbar">
        <Typography.Text>{t('netboot.subnets.summary', { count: Object.keys(subnets).length })}</Typography.Text>
        <div style={{ flex: 1 }} />
        <Input
          ref={searchRef}
          allowClear
          size="small"
          prefix={<SearchOutlined />}
          placeholder={t('netboot.subnets.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ width: 260 }}
          data-testid="netboot-subnet-search"
        />
      </Flex>
      <Table<SubnetCounts>
        size="small"
        virtual
        rowKey="subnet"
        columns={columns}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 1004, y: 520 }}
        onRow={(s) => ({ 'data-subnet': s.subnet }) as HTMLAttributes<HTMLElement>}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('netboot.subnets.empty')} /> }}
      />
    </div>
  );
}
