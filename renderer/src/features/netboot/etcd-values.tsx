import { DatabaseOutlined } from '@ant-design/icons';
import type { NetbootEtcdValue, NetbootSubnetSummary } from '@contract/netboot';
import { AutoComplete, Button, Flex, Select, Space, Spin, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useEtcdStore } from '../etcd/etcd-hooks';
import { selectSessionOrder, selectSessions } from '../etcd/etcd-store';
import { useNetbootStore } from './netboot-hooks';
import { selectEtcdValues, selectNetbootMachines } from './netboot-store';

/** The "read through" choice for the responder's own endpoints (etcd session ids never look like this). */
const RESPONDER = ' responder';

const STATE_COLOR = { ok: 'success', missing: 'warning', invalid: 'error', unavailable: 'error' } as const;

function ValueBlock({ title, value, testId }: { title: string; value: NetbootEtcdValue; testId: string }) {
  const { t } = useTranslation();
  return (
    <div className="drover-nb-etcd-value" data-testid={testId} data-state={value.state}>
      <Flex align="center" gap={8} wrap>
        <Typography.Text strong>{title}</Typography.Text>
        <span className="drover-mono drover-nb-etcd-key">{value.key}</span>
        <Tag color={STATE_COLOR[value.state]}>{value.state === 'ok' ? t('netboot.etcd.ok', { count: value.entries ?? 0 }) : t(`netboot.etcd.${value.state}`)}</Tag>
        {value.truncated && <Typography.Text type="secondary">{t('netboot.etcd.truncated')}</Typography.Text>}
      </Flex>
      {value.reason && value.state !== 'ok' && <Typography.Text type={value.state === 'missing' ? 'warning' : 'danger'}>{value.reason}</Typography.Text>}
      {value.text !== undefined && <pre className="drover-nb-pre drover-mono">{value.text}</pre>}
    </div>
  );
}

/**
 * The etcd values one subnet reads, beside it in the config editor: its datacenter config and,
 * for a MAC (typed, or picked from the subnet's machines in the timeline), that worker's env and
 * the merged env get-initial-config would send. Read through the responder's own etcd endpoints
 * (what get-initial-config reads) or through one of the etcd page's sessions (e.g. over a tunnel).
 */
export function EtcdValues({ subnet, disabled }: { subnet: NetbootSubnetSummary; disabled: boolean }) {
  const { t } = useTranslation();
  const state = useNetbootStore(selectEtcdValues(subnet.name));
  const machines = useNetbootStore(selectNetbootMachines);
  const load = useNetbootStore((s) => s.loadEtcdValues);
  const [mac, setMac] = useState(state?.mac ?? '');
  const etcdSessions = useEtcdStore(selectSessions);
  const etcdOrder = useEtcdStore(selectSessionOrder);
  const [via, setVia] = useState<string>(state?.preview?.sessionId ?? RESPONDER);
  const viaOptions = useMemo(
    () => [
      { value: RESPONDER, label: t('netboot.etcd.viaResponder') },
      ...etcdOrder.flatMap((id) => {
        const item = etcdSessions[id];
        return item ? [{ value: id, label: t('netboot.etcd.viaSession', { name: item.config.name }) }] : [];
      }),
    ],
    [etcdOrder, etcdSessions, t],
  );
  const options = useMemo(
    () =>
      Object.values(machines)
        .filter((m) => m.subnet === subnet.name && m.mac !== undefined)
        .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
        .slice(0, 50)
        .map((m) => ({ value: m.mac!, label: <span className="drover-mono">{`${m.mac} · ${m.ip}`}</span> })),
    [machines, subnet.name],
  );
  const p = state?.preview;

  return (
    <div className="drover-nb-etcd" data-testid="netboot-etcd-values" data-subnet={subnet.name}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        <DatabaseOutlined /> {subnet.name} <span className="drover-mono drover-nb-muted">{subnet.cidr}</span>
      </Typography.Title>
      <div className="drover-nb-etcd-keys">
        <div>
          <Typography.Text type="secondary">{t('netboot.etcd.dcKey')}: </Typography.Text>
          <span className="drover-mono">{subnet.dcConfigKey}</span>
        </div>
        <div>
          <Typography.Text type="secondary">
            {t('netboot.etcd.workerKey')} ({t('netboot.etcd.pattern')}):{' '}
          </Typography.Text>
          <span className="drover-mono">{subnet.workerEnvKeyPattern}</span>
        </div>
      </div>
      <Space.Compact style={{ width: '100%', marginTop: 8 }}>
        <AutoComplete
          value={mac}
          onChange={setMac}
          options={options.length ? [{ label: t('netboot.etcd.macFromTimeline'), options }] : []}
          placeholder={t('netboot.etcd.macPlaceholder')}
          style={{ flex: 1 }}
          data-testid="netboot-etcd-mac"
          aria-label={t('netboot.etcd.mac')}
        />
        <Select
          value={viaOptions.some((o) => o.value === via) ? via : RESPONDER}
          onChange={setVia}
          options={viaOptions}
          popupMatchSelectWidth={false}
          style={{ maxWidth: 240 }}
          data-testid="netboot-etcd-via"
          aria-label={t('netboot.etcd.via')}
        />
        <Button type="primary" loading={state?.loading} disabled={disabled} onClick={() => void load(subnet.name, mac, via === RESPONDER ? undefined : via)} data-testid="netboot-etcd-read">
          {p ? t('netboot.etcd.reread') : t('netboot.etcd.read')}
        </Button>
      </Space.Compact>
      {state?.loading && !p && <Spin size="small" />}
      {state?.error && <ErrorDetails error={state.error} />}
      {!state && <Typography.Paragraph type="secondary">{t('netboot.etcd.notRead')}</Typography.Paragraph>}
      {p && (
        <div className="drover-nb-etcd-result">
          {p.reason && <Typography.Text type="warning">{p.reason}</Typography.Text>}
          {p.source === 'session' && (
            <Typography.Text type="secondary" className="drover-nb-etcd-source" data-testid="netboot-etcd-source">
              {t('netboot.etcd.sourceSession', { name: p.sessionName ?? p.sessionId ?? '' })}
            </Typography.Text>
          )}
          {p.source === 'responder' && p.endpoints.length > 0 && (
            <Typography.Text type="secondary" className="drover-nb-etcd-source">
              {t('netboot.etcd.source', { endpoints: p.endpoints.join(', ') })}
            </Typography.Text>
          )}
          {p.dc && <ValueBlock title={t('netboot.etcd.dcKey')} value={p.dc} testId="netboot-etcd-dc" />}
          {p.worker && <ValueBlock title={t('netboot.etcd.workerKey')} value={p.worker} testId="netboot-etcd-worker" />}
          {!p.mac && p.dc && <Typography.Text type="secondary">{t('netboot.etcd.noMac')}</Typography.Text>}
          {p.merged && (
            <div className="drover-nb-etcd-value" data-testid="netboot-etcd-merged">
              <Typography.Text strong>{t('netboot.etcd.merged', { count: p.merged.keyCount })}</Typography.Text>
              <pre className="drover-nb-pre drover-mono">{p.merged.text}</pre>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
