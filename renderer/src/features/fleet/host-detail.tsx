import { AlertOutlined, CheckOutlined, CloudServerOutlined, CodeOutlined, DeleteOutlined, EditOutlined, FileSearchOutlined, NodeIndexOutlined, ReloadOutlined, ThunderboltOutlined } from '@ant-design/icons';
import type { Alert as FleetAlert, FleetHostState, HostMetrics } from '@contract/fleet';
import { routeLabel } from '@contract/ssh';
import { Alert, Button, Descriptions, Drawer, Empty, Flex, Progress, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes, formatDuration, formatRate } from '../../components/format';
import { useNow } from '../../components/use-now';
import { alertText } from './alert-text';
import { ago, celsius, dateTime, DASH, num, pct, percentTone, tempTone } from './fleet-format';
import { useFleetStore } from './fleet-hooks';
import { domainsHostHash } from '../domains/domains-links';
import { useDomainsStore } from '../domains/domains-hooks';
import { selectHosts as selectDomainHosts } from '../domains/domains-store';
import { netbootMachineHash } from '../netboot/netboot-links';
import { minersWorkerHash } from '../miners/miners-links';
import { fleetTabHash } from './fleet-links';
import { selectFleetLive, selectHost, selectMetrics } from './fleet-store';
import { HistoryCharts } from './history-charts';
import { HeartbeatCell } from './host-table';

export interface HostDetailProps {
  hostId: string | null;
  onClose(): void;
  onEdit(h: FleetHostState): void;
  onRemove(h: FleetHostState): void;
  onTerminal(h: FleetHostState): void;
}

const strokeFor = (tone: string) => (tone === 'error' ? 'var(--drover-error)' : tone === 'warning' ? 'var(--drover-warning)' : 'var(--drover-ok)');

function UseBar({ value, tone }: { value: number | null; tone: string }) {
  return value === null ? <Typography.Text type="secondary">{DASH}</Typography.Text> : <Progress percent={Math.round(value)} size="small" strokeColor={strokeFor(tone)} style={{ minWidth: 120, margin: 0 }} />;
}

/** One machine: its identity (and what links to it), its latest probe, its charts and its alerts. */
export function HostDetail({ hostId, onClose, onEdit, onRemove, onTerminal }: HostDetailProps) {
  const { t } = useTranslation();
  const h = useFleetStore(selectHost(hostId));
  const m = useFleetStore(selectMetrics(hostId));
  const live = useFleetStore(selectFleetLive);
  const retry = useFleetStore((s) => s.retryHost);
  const intervalSec = useFleetStore((s) => s.service?.settings.probe.intervalSec ?? 30);
  // The tab belongs to the host it was chosen for: another host opens on its overview.
  const [chosen, setChosen] = useState<{ hostId: string | null; tab: string }>({ hostId: null, tab: 'overview' });
  const tab = chosen.hostId === hostId ? chosen.tab : 'overview';
  const setTab = (next: string) => setChosen({ hostId, tab: next });
  const now = useNow(1000, hostId !== null) + live.clockOffsetMs;
  const open = hostId !== null && h !== undefined;

  return (
    <Drawer
      open={open}
      onClose={onClose}
      width={880}
      destroyOnHidden
      title={
        h && (
          <Flex align="center" gap={12} wrap>
            <span data-testid="fleet-detail-name">{h.host.name}</span>
            <HeartbeatCell h={h} serverNow={now} intervalSec={intervalSec} />
          </Flex>
        )
      }
      extra={
        h && (
          <Space>
            <Button icon={<CodeOutlined />} onClick={() => onTerminal(h)} data-testid="fleet-detail-terminal">
              {t('fleet.actions.terminal')}
            </Button>
            <Button icon={<FileSearchOutlined />} href={fleetTabHash('syslog', { host: h.host.hostname ?? h.summary?.hostname ?? h.host.ip ?? h.host.target.host })} data-testid="fleet-detail-syslog">
              {t('fleet.actions.syslog')}
            </Button>
            <Button icon={<ReloadOutlined />} disabled={!live.fresh} onClick={() => void retry(h.host.id)}>
              {t('fleet.actions.retry')}
            </Button>
            <Button icon={<EditOutlined />} disabled={!live.fresh} onClick={() => onEdit(h)}>
              {t('fleet.actions.edit')}
            </Button>
            <Button danger icon={<DeleteOutlined />} disabled={!live.fresh} onClick={() => onRemove(h)} aria-label={t('fleet.actions.remove')} />
          </Space>
        )
      }
      data-testid="fleet-detail"
    >
      {h && (
        <div className={live.fresh ? undefined : 'drover-stale'} data-testid="fleet-detail-body" data-host-id={h.host.id} data-status={h.heartbeat.status}>
          {h.heartbeat.status === 'down' && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="fleet-detail-down"
              title={t('fleet.detail.down', { when: h.heartbeat.lastSeenMs === null ? t('fleet.host.never') : `${dateTime(h.heartbeat.lastSeenMs)} (${ago(h.heartbeat.lastSeenMs, now, t)})`, count: h.heartbeat.missed })}
              description={h.lastError ? <span className="drover-mono">{h.lastError.message}</span> : undefined}
            />
          )}
          {h.heartbeat.status !== 'down' && h.lastError && (
            <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('fleet.detail.lastFailed')} description={<span className="drover-mono">{h.lastError.message}</span>} />
          )}
          <Tabs
            activeKey={tab}
            onChange={setTab}
            items={[
              { key: 'overview', label: t('fleet.detail.overview'), children: <Overview h={h} m={m} now={now} onAlerts={() => setTab('alerts')} /> },
              { key: 'charts', label: t('fleet.detail.charts'), children: <HistoryCharts hostId={h.host.id} /> },
              { key: 'alerts', label: t('fleet.detail.alerts', { count: h.alerts.firing }), children: <HostAlerts hostId={h.host.id} /> },
            ]}
          />
        </div>
      )}
    </Drawer>
  );
}

/**
 * The machine on the other pages, through its one identity: its boot steps (Netboot, by MAC), the
 * KVM domains on it (Domains, the hosts whose SSH host is this machine), its lotus jobs (Miners,
 * by worker) and its alerts; the terminal and syslog are in the drawer's header.
 */
function MachineLinks({ h, onAlerts }: { h: FleetHostState; onAlerts(): void }) {
  const { t } = useTranslation();
  const host = h.host;
  const domainHosts = useDomainsStore(selectDomainHosts);
  const identity = useFleetStore((s) => s.identity);
  const kvm = useMemo(
    () => Object.values(domainHosts).filter((d) => identity.find({ sshHost: d.config.target.host })?.id === host.id).map((d) => d.config),
    [domainHosts, identity, host.id],
  );
  const worker = host.lotusWorker ?? host.hostname;
  return (
    <Flex vertical gap={6} data-testid="fleet-detail-links">
      <Typography.Text strong>{t('fleet.detail.links')}</Typography.Text>
      <Flex gap={8} wrap>
        {host.mac ? (
          <Tooltip title={t('fleet.detail.bootStepsHelp', { mac: host.mac })}>
            <Button size="small" icon={<NodeIndexOutlined />} href={netbootMachineHash(host.mac)} data-testid="fleet-detail-boot-steps">
              {t('fleet.detail.bootSteps')}
            </Button>
          </Tooltip>
        ) : (
          <Tooltip title={t('fleet.detail.noMac')}>
            <Button size="small" icon={<NodeIndexOutlined />} disabled data-testid="fleet-detail-boot-steps">
              {t('fleet.detail.bootSteps')}
            </Button>
          </Tooltip>
        )}
        {kvm.map((d) => (
          <Tooltip key={d.id} title={t('fleet.detail.domainsHelp', { name: d.name })}>
            <Button size="small" icon={<CloudServerOutlined />} href={domainsHostHash(d.id)} data-testid="fleet-detail-domains" data-domain-host={d.id}>
              {t('fleet.detail.domains', { name: d.name })}
            </Button>
          </Tooltip>
        ))}
        {worker && (
          <Tooltip title={t('fleet.detail.jobsHelp', { worker })}>
            <Button size="small" icon={<ThunderboltOutlined />} href={minersWorkerHash(worker)} data-testid="fleet-detail-jobs">
              {t('fleet.detail.jobs')}
            </Button>
          </Tooltip>
        )}
        <Button size="small" icon={<AlertOutlined />} onClick={onAlerts} data-testid="fleet-detail-alerts-link">
          {t('fleet.detail.alertsLink', { count: h.alerts.firing })}
        </Button>
      </Flex>
      <Typography.Text type="secondary" className="drover-fleet-links-note">
        {t('fleet.detail.linksNote')}
      </Typography.Text>
    </Flex>
  );
}

function Overview({ h, m, now, onAlerts }: { h: FleetHostState; m: HostMetrics | undefined; now: number; onAlerts(): void }) {
  const { t } = useTranslation();
  const host = h.host;
  return (
    <Flex vertical gap={16}>
      <Descriptions size="small" bordered column={2} title={t('fleet.detail.identity')} data-testid="fleet-detail-identity">
        <Descriptions.Item label={t('fleet.form.group')}>{host.group}</Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.ssh')}>
          <span className="drover-mono">{routeLabel(host.target, host.jumps)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.form.mac')}>
          <span className="drover-mono" data-testid="fleet-detail-mac">
            {host.mac ?? DASH}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.form.ip')}>
          <span className="drover-mono">{host.ip ?? DASH}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.form.hostname')}>
          <span className="drover-mono" data-testid="fleet-detail-hostname">
            {host.hostname ?? DASH}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.form.lotusWorker')}>
          <span className="drover-mono">{host.lotusWorker ?? DASH}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.id')}>
          <span className="drover-mono">{host.id}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.form.tags')}>{host.tags.length ? host.tags.map((x) => <Tag key={x}>{x}</Tag>) : DASH}</Descriptions.Item>
      </Descriptions>
      <MachineLinks h={h} onAlerts={onAlerts} />
      {!m ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('fleet.detail.noProbe')} />
      ) : (
        <Metrics m={m} now={now} />
      )}
    </Flex>
  );
}

function Metrics({ m, now }: { m: HostMetrics; now: number }) {
  const { t } = useTranslation();
  return (
    <Flex vertical gap={16} data-testid="fleet-detail-metrics">
      <Descriptions size="small" bordered column={3} title={t('fleet.detail.system', { when: ago(m.atMs, now, t) })}>
        <Descriptions.Item label={t('fleet.form.hostname')}>
          <span className="drover-mono">{m.hostname ?? DASH}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.kernel')}>
          <span className="drover-mono">{m.kernel ?? DASH}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.uptime')}>{m.uptimeSec === null ? DASH : formatDuration(m.uptimeSec * 1000, t)}</Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.cpu')}>
          <span data-testid="fleet-detail-cpu">
            {t('fleet.detail.cpuValue', { use: pct(m.cpu.usePercent, 1), count: m.cpu.count ?? 0, iowait: pct(m.cpu.iowaitPercent, 1) })}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.load')}>
          <span data-testid="fleet-detail-load">{`${num(m.load1)} / ${num(m.load5)} / ${num(m.load15)}`}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.cpuTemp')}>
          <span className={`drover-fleet-tone drover-fleet-tone-${tempTone(m.cpuTempC)}`}>{celsius(m.cpuTempC)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.memory')}>
          <span data-testid="fleet-detail-memory">{m.memory ? t('fleet.detail.memValue', { used: formatBytes(m.memory.usedBytes), total: formatBytes(m.memory.totalBytes), pct: pct(m.memory.usePercent) }) : DASH}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.swap')}>{m.swap && m.swap.totalBytes > 0 ? t('fleet.detail.memValue', { used: formatBytes(m.swap.usedBytes), total: formatBytes(m.swap.totalBytes), pct: pct(m.swap.usePercent) }) : DASH}</Descriptions.Item>
        <Descriptions.Item label={t('fleet.detail.probe')}>{t('fleet.detail.probeValue', { rtt: m.roundTripMs ?? DASH, script: m.probeDurationMs ?? DASH })}</Descriptions.Item>
      </Descriptions>

      <Section title={t('fleet.detail.mounts')} count={m.mounts.length}>
        <Table
          size="small"
          pagination={false}
          rowKey="mount"
          dataSource={m.mounts}
          scroll={{ y: 260 }}
          data-testid="fleet-detail-mounts"
          columns={[
            { key: 'mount', title: t('fleet.detail.mount'), render: (_, x) => <span className="drover-mono">{x.mount}</span> },
            { key: 'source', title: t('fleet.detail.device'), render: (_, x) => <Typography.Text type="secondary" className="drover-mono">{x.source}</Typography.Text> },
            { key: 'size', title: t('fleet.detail.size'), width: 160, render: (_, x) => `${formatBytes(x.usedBytes)} / ${formatBytes(x.sizeBytes)}` },
            { key: 'use', title: t('fleet.detail.use'), width: 170, render: (_, x) => <UseBar value={x.usePercent} tone={percentTone(x.usePercent, 85, 90)} /> },
          ]}
        />
      </Section>

      <Flex gap={16} wrap>
        <Section title={t('fleet.detail.disks')} count={m.disks.length} flex>
          <Table
            size="small"
            pagination={false}
            rowKey="device"
            dataSource={m.disks}
            data-testid="fleet-detail-disks"
            columns={[
              { key: 'd', title: t('fleet.detail.device'), render: (_, x) => <span className="drover-mono">{x.device}</span> },
              { key: 'r', title: t('fleet.detail.read'), render: (_, x) => (x.readBytesPerSec === null ? DASH : formatRate(x.readBytesPerSec)) },
              { key: 'w', title: t('fleet.detail.write'), render: (_, x) => (x.writeBytesPerSec === null ? DASH : formatRate(x.writeBytesPerSec)) },
              { key: 'b', title: t('fleet.detail.busy'), render: (_, x) => pct(x.busyPercent) },
            ]}
          />
        </Section>
        <Section title={t('fleet.detail.networks')} count={m.networks.length} flex>
          <Table
            size="small"
            pagination={false}
            rowKey="iface"
            dataSource={m.networks}
            data-testid="fleet-detail-networks"
            columns={[
              { key: 'i', title: t('fleet.detail.iface'), render: (_, x) => <span className="drover-mono">{x.iface}</span> },
              { key: 'rx', title: t('fleet.detail.rx'), render: (_, x) => (x.rxBytesPerSec === null ? DASH : formatRate(x.rxBytesPerSec)) },
              { key: 'tx', title: t('fleet.detail.tx'), render: (_, x) => (x.txBytesPerSec === null ? DASH : formatRate(x.txBytesPerSec)) },
              { key: 'e', title: t('fleet.detail.errors'), render: (_, x) => num(x.errorsPerSec, 1) },
            ]}
          />
        </Section>
      </Flex>

      <Section title={t('fleet.detail.gpus')} count={m.gpus.length}>
        {m.gpus.length === 0 ? (
          <Typography.Text type="secondary">{t('fleet.detail.noGpus', { nvidia: t(`fleet.tool.${m.tools.nvidiaSmi}`), rocm: t(`fleet.tool.${m.tools.rocmSmi}`) })}</Typography.Text>
        ) : (
          <Table
            size="small"
            pagination={false}
            rowKey={(g) => `${g.vendor}:${g.index}`}
            dataSource={m.gpus}
            scroll={{ x: 760 }}
            data-testid="fleet-detail-gpus"
            columns={[
              { key: 'i', title: '#', width: 60, render: (_, g) => `${g.vendor === 'amd' ? 'AMD ' : ''}${g.index}` },
              { key: 'n', title: t('fleet.detail.gpuName'), render: (_, g) => g.name ?? DASH },
              { key: 't', title: t('fleet.detail.temp'), width: 80, render: (_, g) => <span className={`drover-fleet-tone drover-fleet-tone-${tempTone(g.temperatureC)}`}>{celsius(g.temperatureC)}</span> },
              { key: 'u', title: t('fleet.detail.util'), width: 80, render: (_, g) => pct(g.utilizationPercent) },
              { key: 'm', title: t('fleet.detail.vram'), width: 150, render: (_, g) => (g.memoryUsedMiB === null || g.memoryTotalMiB === null ? DASH : `${formatBytes(g.memoryUsedMiB * 1048576)} / ${formatBytes(g.memoryTotalMiB * 1048576)}`) },
              { key: 'p', title: t('fleet.detail.power'), width: 110, render: (_, g) => (g.powerDrawW === null ? DASH : `${Math.round(g.powerDrawW)} W${g.powerLimitW ? ` / ${Math.round(g.powerLimitW)}` : ''}`) },
              { key: 'f', title: t('fleet.detail.fan'), width: 70, render: (_, g) => pct(g.fanPercent) },
              { key: 'th', title: t('fleet.detail.throttle'), render: (_, g) => (g.throttleReasons && g.throttleReasons.length ? g.throttleReasons.map((r) => <Tag key={r} color="warning">{r}</Tag>) : DASH) },
            ]}
          />
        )}
      </Section>

      {m.temperatures.length > 0 && (
        <Section title={t('fleet.detail.temperatures')} count={m.temperatures.length}>
          <Flex gap={6} wrap>
            {m.temperatures.map((x, i) => (
              <Tag key={`${x.chip}/${x.label}/${i}`} className="drover-mono">
                {x.chip} {x.label}: <span className={`drover-fleet-tone drover-fleet-tone-${tempTone(x.celsius)}`}>{celsius(x.celsius)}</span>
              </Tag>
            ))}
          </Flex>
        </Section>
      )}

      <Section title={t('fleet.detail.smart')}>
        {m.smart.disks.length === 0 ? (
          <Typography.Text type="secondary">{t(`fleet.tool.${m.smart.state}`)}</Typography.Text>
        ) : (
          <Flex gap={6} wrap>
            {m.smart.disks.map((d) => (
              <Tooltip key={d.device} title={d.detail ?? undefined}>
                <Tag color={d.health === 'failed' ? 'error' : d.health === 'passed' ? 'success' : 'default'}>
                  {d.device}: {d.health}
                </Tag>
              </Tooltip>
            ))}
          </Flex>
        )}
      </Section>

      {m.problems.length > 0 && (
        <Section title={t('fleet.detail.problems')} count={m.problems.length}>
          <ul className="drover-fleet-problems" data-testid="fleet-detail-problems">
            {m.problems.map((p, i) => (
              <li key={i}>
                <Tag color={p.severity === 'error' ? 'error' : p.severity === 'warning' ? 'warning' : 'default'}>{p.section}</Tag> {p.message}
              </li>
            ))}
          </ul>
        </Section>
      )}
    </Flex>
  );
}

function Section({ title, count, children, flex }: { title: string; count?: number; children: React.ReactNode; flex?: boolean }) {
  return (
    <div className="drover-fleet-section" style={flex ? { flex: '1 1 360px', minWidth: 0 } : undefined}>
      <Typography.Text strong>
        {title}
        {count !== undefined && <Typography.Text type="secondary"> ({count})</Typography.Text>}
      </Typography.Text>
      <div style={{ marginTop: 6 }}>{children}</div>
    </div>
  );
}

function HostAlerts({ hostId }: { hostId: string }) {
  const { t } = useTranslation();
  const alerts = useFleetStore((s) => s.alerts);
  const ack = useFleetStore((s) => s.acknowledge);
  const alertHistory = useFleetStore((s) => s.alertHistory);
  const fresh = useFleetStore((s) => s.live.fresh);
  const firing = Object.values(alerts).filter((a) => a.hostId === hostId);
  const [past, setPast] = useState<FleetAlert[] | null>(null);
  useEffect(() => {
    let alive = true;
    alertHistory(hostId).then(
      (list) => alive && setPast(list.filter((a) => a.state === 'resolved')),
      () => alive && setPast([]),
    );
    return () => {
      alive = false;
    };
  }, [alertHistory, hostId, firing.length]);
  return (
    <Flex vertical gap={12}>
      {firing.length === 0 ? (
        <Typography.Text type="secondary">{t('fleet.alerts.noneFiring')}</Typography.Text>
      ) : (
        firing.map((a) => (
          <Alert
            key={a.id}
            type={a.severity === 'critical' ? 'error' : 'warning'}
            showIcon
            title={alertText(a, t)}
            description={t('fleet.alerts.since', { when: dateTime(a.sinceMs) })}
            action={
              a.acked ? (
                <Tag icon={<CheckOutlined />}>{t('fleet.alerts.acked')}</Tag>
              ) : (
                <Button size="small" disabled={!fresh} onClick={() => void ack(a.id)}>
                  {t('fleet.alerts.ack')}
                </Button>
              )
            }
          />
        ))
      )}
      <Typography.Text strong>{t('fleet.alerts.history')}</Typography.Text>
      {past === null ? null : past.length === 0 ? (
        <Typography.Text type="secondary">{t('fleet.alerts.noHistory')}</Typography.Text>
      ) : (
        <ul className="drover-fleet-problems">
          {past.slice(0, 50).map((a) => (
            <li key={a.id}>
              <Tag color={a.severity === 'critical' ? 'error' : 'warning'}>{t(`fleet.severity.${a.severity}`)}</Tag>
              {dateTime(a.sinceMs)} → {a.resolvedAtMs ? dateTime(a.resolvedAtMs) : DASH}: {alertText(a, t)}
            </li>
          ))}
        </ul>
      )}
    </Flex>
  );
}

