import { WarningOutlined } from '@ant-design/icons';
import type { ClusterStatus } from '@contract/etcd';
import { Alert, Button, Descriptions, Drawer, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../components/format';
import { LiveStatus } from '../../components/live-status';
import { useEtcdStore } from './etcd-hooks';
import { selectStatus } from './etcd-store';

/** One line: version, leader, members, DB size, revision, raft index, alarms; the details in a drawer. */
export function ClusterSummary() {
  const { t } = useTranslation();
  const { live, cluster } = useEtcdStore(selectStatus);
  const [open, setOpen] = useState(false);
  const stale = !live.connected || !live.fresh || live.health?.state !== 'live';
  const leader = cluster?.members.find((m) => m.isLeader);
  return (
    <>
      <span className="drover-etcd-cluster" data-testid="etcd-cluster">
        <LiveStatus source={live} testId="etcd-status-live" />
        {cluster && (
          <Button type="text" size="small" className={stale ? 'drover-stale' : undefined} onClick={() => setOpen(true)} data-testid="etcd-cluster-summary">
            <span className="drover-mono">
              {t('etcd.cluster.summary', {
                version: cluster.version,
                leader: leader?.name || leader?.idHex || t('etcd.cluster.noLeader'),
                members: cluster.members.length,
                db: formatBytes(cluster.dbSizeBytes),
                revision: cluster.revision,
              })}
            </span>
            {cluster.alarms.length > 0 && (
              <Tag color="red" icon={<WarningOutlined />} data-testid="etcd-cluster-alarm">
                {cluster.alarms.map((a) => a.alarm).join(', ')}
              </Tag>
            )}
          </Button>
        )}
      </span>
      <Drawer open={open} onClose={() => setOpen(false)} size={760} title={t('etcd.cluster.title')}>
        {cluster && <ClusterDetails cluster={cluster} />}
      </Drawer>
    </>
  );
}

function ClusterDetails({ cluster }: { cluster: ClusterStatus }) {
  const { t } = useTranslation();
  return (
    <div data-testid="etcd-cluster-details">
      {cluster.alarms.length > 0 && (
        <Alert
          type="error"
          showIcon
          title={t('etcd.cluster.alarms', { alarms: cluster.alarms.map((a) => `${a.alarm} (${a.memberId})`).join(', ') })}
          description={cluster.alarms.some((a) => a.alarm === 'NOSPACE') ? t('etcd.cluster.nospace') : undefined}
          style={{ marginBottom: 12 }}
        />
      )}
      {cluster.errors.length > 0 && <Alert type="warning" showIcon title={cluster.errors.join('; ')} style={{ marginBottom: 12 }} />}
      <Descriptions
        size="small"
        bordered
        column={2}
        items={[
          { key: 'endpoint', label: t('etcd.cluster.endpoint'), children: <span className="drover-mono">{cluster.endpoint}</span> },
          { key: 'version', label: t('etcd.cluster.version'), children: cluster.version },
          { key: 'cluster', label: t('etcd.cluster.clusterId'), children: <span className="drover-mono">{cluster.clusterId}</span> },
          { key: 'leader', label: t('etcd.cluster.leader'), children: <span className="drover-mono">{cluster.leaderId}</span> },
          { key: 'db', label: t('etcd.cluster.dbSize'), children: `${formatBytes(cluster.dbSizeBytes)} (${t('etcd.cluster.inUse', { size: formatBytes(cluster.dbSizeInUseBytes) })})` },
          { key: 'revision', label: t('etcd.cluster.revision'), children: cluster.revision },
          { key: 'raft', label: t('etcd.cluster.raftIndex'), children: `${cluster.raftIndex} / ${cluster.raftAppliedIndex}` },
          { key: 'term', label: t('etcd.cluster.raftTerm'), children: cluster.raftTerm },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('etcd.cluster.members', { count: cluster.members.length })}
      </Typography.Title>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={cluster.members}
        columns={[
          { title: t('etcd.cluster.memberName'), key: 'name', render: (_, m) => <>{m.name || '—'} {m.isLeader && <Tag color="gold">{t('etcd.cluster.leaderTag')}</Tag>}{m.isLearner && <Tag>{t('etcd.cluster.learner')}</Tag>}</> },
          { title: t('etcd.cluster.memberId'), key: 'id', render: (_, m) => <span className="drover-mono">{m.idHex}</span> },
          { title: t('etcd.cluster.clientUrls'), key: 'client', render: (_, m) => <span className="drover-mono">{m.clientUrls.join(', ')}</span> },
          { title: t('etcd.cluster.peerUrls'), key: 'peer', render: (_, m) => <span className="drover-mono">{m.peerUrls.join(', ')}</span> },
        ]}
      />
    </div>
  );
}
