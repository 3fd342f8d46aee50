import { ReloadOutlined } from '@ant-design/icons';
import type { LeaseDetail } from '@contract/etcd';
import { Alert, Button, Flex, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatDuration } from '../../components/format';
import { useFeatureStore } from '../../stores/stores';
import { etcdStoreKey, useEtcdStore } from './etcd-hooks';

/** Leases: remaining TTL, granted TTL and the keys attached (they go when the lease expires). */
export function LeasesPanel({ onOpenKey }: { onOpenKey(key: string): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const leases = useEtcdStore((s) => s.leases);
  return (
    <div className="drover-etcd-panel" data-testid="etcd-leases">
      <Flex align="center" gap={8} className="drover-etcd-panel-bar">
        <Typography.Text>{leases ? t('etcd.leases.count', { count: leases.total }) : ''}</Typography.Text>
        {leases && leases.total > leases.items.length && <Tag>{t('etcd.leases.shown', { count: leases.items.length })}</Tag>}
        <span style={{ flex: 1 }} />
        <Button icon={<ReloadOutlined />} loading={leases?.loading} onClick={() => void store.getState().loadLeases()}>
          {t('etcd.leases.refresh')}
        </Button>
      </Flex>
      {leases?.error && <Alert type="error" showIcon title={t('etcd.leases.failed')} description={<ErrorDetails error={leases.error} action="readEtcdLeases" />} />}
      <Table<LeaseDetail>
        size="small"
        rowKey="id"
        loading={leases?.loading && leases.items.length === 0}
        dataSource={[...(leases?.items ?? [])]}
        pagination={false}
        virtual
        scroll={{ y: 560 }}
        locale={{ emptyText: t('etcd.leases.none') }}
        expandable={{
          rowExpandable: (l) => l.keys.length > 0,
          expandedRowRender: (l) => (
            <Flex vertical gap={2}>
              {l.keys.map((k) => (
                <Typography.Link key={k.key} className="drover-mono" onClick={() => onOpenKey(k.key)}>
                  {k.keyDisplay}
                </Typography.Link>
              ))}
              {l.keysTruncated && <Typography.Text type="secondary">{t('etcd.leases.moreKeys')}</Typography.Text>}
            </Flex>
          ),
        }}
        columns={[
          { title: t('etcd.leases.id'), key: 'id', render: (_, l) => <span className="drover-mono">{l.idHex}</span> },
          {
            title: t('etcd.leases.ttl'),
            key: 'ttl',
            width: 160,
            render: (_, l) => (l.ttlSec < 0 ? <Tag color="red">{t('etcd.leases.expired')}</Tag> : formatDuration(l.ttlSec * 1000, t)),
          },
          { title: t('etcd.leases.granted'), key: 'granted', width: 160, render: (_, l) => formatDuration(l.grantedTtlSec * 1000, t) },
          { title: t('etcd.leases.keys'), key: 'keys', width: 120, render: (_, l) => `${l.keys.length}${l.keysTruncated ? '+' : ''}` },
        ]}
      />
    </div>
  );
}
