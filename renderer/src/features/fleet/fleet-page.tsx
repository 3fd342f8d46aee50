import { AlertOutlined, CloudServerOutlined, DownloadOutlined, FileTextOutlined, ImportOutlined, PlusOutlined, SettingOutlined, SyncOutlined } from '@ant-design/icons';
import type { FleetHostState } from '@contract/fleet';
import { Alert, App, Badge, Button, Card, Dropdown, Empty, Flex, Input, Segmented, Skeleton, Tabs, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { LiveStatus } from '../../components/live-status';
import { useFeatureStore } from '../../stores/stores';
import { terminalStoreKey } from '../terminal/terminal-hooks';
import { AlertsPanel } from './alerts-panel';
import { FleetSettingsPanel } from './fleet-settings';
import { fleetStoreKey, useFleetStore } from './fleet-hooks';
import { parseFleetAddHash, parseFleetHash, type FleetTab } from './fleet-links';
import { selectCounts, selectFleetLive, selectFleetLoaded, selectGroups, selectHostOrder, selectHosts, selectService } from './fleet-store';
import { HostDetail } from './host-detail';
import { HostFormModal, type HostFormInit } from './host-form';
import { HostTable } from './host-table';
import { ExportDialog, ImportDialog, type ImportSource } from './import-dialog';
import { SyslogView } from './syslog-view';
import './fleet.css';

const NON_TEXT_INPUTS = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  if (target.closest('[data-shortcuts="off"]')) return true;
  return (
    (target instanceof HTMLInputElement && !NON_TEXT_INPUTS.has(target.type)) ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

function overlayOpen(): boolean {
  const shown = (el: Element) => el.getClientRects().length > 0;
  return [...document.querySelectorAll('.ant-modal-wrap, .ant-drawer-open')].some(shown);
}

/** Removing a host names it and says what goes with it; nothing else removes. */
function useConfirmRemove(): (h: FleetHostState) => void {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const remove = useFleetStore((s) => s.removeHost);
  return (h) =>
    modal.confirm({
      title: t('fleet.confirmRemove.title', { name: h.host.name }),
      content: <div data-testid="fleet-confirm-remove">{t('fleet.confirmRemove.body')}</div>,
      okText: t('fleet.confirmRemove.ok'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'fleet-confirm-remove-ok' } as Record<string, string>) },
      onOk: () => remove(h.host.id),
    });
}

/** Fleet: every host (probed over SSH) with its heartbeat and metrics, alerts, the live syslog view, and the settings. */
export function FleetPage() {
  const { t } = useTranslation();
  const loaded = useFleetStore(selectFleetLoaded);
  const live = useFleetStore(selectFleetLive);
  const order = useFleetStore(selectHostOrder);
  const hosts = useFleetStore(selectHosts);
  const groups = useFleetStore(selectGroups);
  const service = useFleetStore(selectService);
  const counts = useFleetStore(selectCounts);
  const streamError = useFleetStore((s) => s.streamError);
  const probeNow = useFleetStore((s) => s.probeNow);
  const retry = useFleetStore((s) => s.retryHost);
  const probing = useFleetStore((s) => s.busy['*probe'] === 'probe');
  const fleetStore = useFeatureStore(fleetStoreKey);
  const terminal = useFeatureStore(terminalStoreKey);
  const confirmRemove = useConfirmRemove();

  const initial = parseFleetHash(window.location.hash);
  const [tab, setTab] = useState<FleetTab>(initial.tab ?? 'hosts');
  const [syslogHost, setSyslogHost] = useState<string | undefined>(initial.syslogHost);
  const [selected, setSelected] = useState<string | null>(initial.host ?? null);
  const [detail, setDetail] = useState<string | null>(initial.host ?? null);
  const [group, setGroup] = useState<string>('*');
  const [search, setSearch] = useState('');
  const [form, setForm] = useState<HostFormInit | null>(() => {
    const facts = parseFleetAddHash(window.location.hash);
    return facts ? { mode: 'create', facts } : null;
  });
  const [importSource, setImportSource] = useState<ImportSource | null>(null);
  const [exportOpen, setExportOpen] = useState(false);

  // Links from elsewhere (#/fleet?host=…, a notification click) while the page is open.
  useEffect(() => {
    const onHash = () => {
      const p = parseFleetHash(window.location.hash);
      const facts = parseFleetAddHash(window.location.hash);
      if (facts) {
        setTab('hosts');
        setForm({ mode: 'create', facts });
      }
      if (p.tab) setTab(p.tab);
      if (p.syslogHost !== undefined) setSyslogHost(p.syslogHost);
      if (p.host) {
        setTab('hosts');
        setSelected(p.host);
        setDetail(p.host);
      }
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    return order
      .map((id) => hosts[id])
      .filter((h): h is FleetHostState => h !== undefined)
      .filter((h) => group === '*' || h.host.group === group)
      .filter(
        (h) =>
          q === '' ||
          [h.host.name, h.host.hostname, h.host.ip, h.host.mac, h.host.target.host, h.host.lotusWorker, h.summary?.hostname, ...h.host.tags].some((v) => v?.toLowerCase().includes(q)),
      );
  }, [order, hosts, group, search]);

  const openTerminal = (h: FleetHostState) => terminal.getState().openTerminal({ kind: 'ssh', target: h.host.target, jumps: h.host.jumps });
  const openDetail = (id: string) => {
    setSelected(id);
    setDetail(id);
  };
  const [, up = 0, down = 0, , firing = 0] = counts.split('/').map(Number);

  // Page keys, through a ref so the listener is bound once.
  const keys = useRef({ rows, selected, tab, openTerminal, confirmRemove, hosts });
  useEffect(() => {
    keys.current = { rows, selected, tab, openTerminal, confirmRemove, hosts };
  });
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target) || overlayOpen()) return;
      const k = keys.current;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const fresh = fleetStore.getState().live.fresh;
      const cur = k.selected ? k.hosts[k.selected] : undefined;
      const move = (delta: number) => {
        if (k.rows.length === 0) return;
        const i = k.selected === null ? (delta > 0 ? -1 : k.rows.length) : k.rows.findIndex((r) => r.host.id === k.selected);
        const next = k.rows[Math.min(k.rows.length - 1, Math.max(0, i + delta))]!;
        setSelected(next.host.id);
        document.querySelector(`[data-host-id="${CSS.escape(next.host.id)}"]`)?.scrollIntoView({ block: 'nearest' });
      };
      let handled = true;
      if (key === '1') setTab('hosts');
      else if (key === '2') setTab('alerts');
      else if (key === '3') setTab('syslog');
      else if (key === '4') setTab('settings');
      else if (k.tab !== 'hosts') handled = false;
      else if (key === 'n' && fresh) setForm({ mode: 'create' });
      else if (key === 'i') setImportSource('ssh-config');
      else if (key === 'p' && fresh) void probeNow();
      else if (key === 'ArrowDown' || key === 'j') move(1);
      else if (key === 'ArrowUp' || key === 'k') move(-1);
      else if (key === 'Enter' && cur) setDetail(cur.host.id);
      else if (key === 't' && cur) k.openTerminal(cur);
      else if (key === 'e' && cur && fresh) setForm({ mode: 'edit', host: cur.host });
      else if (key === 'Delete' && cur && fresh) k.confirmRemove(cur);
      else if (key === '/') document.querySelector<HTMLInputElement>('[data-testid="fleet-search"] input, input[data-testid="fleet-search"]')?.focus();
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [fleetStore, probeNow]);

  const dialogs = (
    <>
      <HostFormModal init={form} onClose={() => setForm(null)} onSaved={(h) => setSelected(h.id)} />
      <ImportDialog open={importSource !== null} initial={importSource ?? 'ssh-config'} onClose={() => setImportSource(null)} />
      <ExportDialog open={exportOpen} onClose={() => setExportOpen(false)} />
      <HostDetail
        hostId={detail}
        onClose={() => setDetail(null)}
        onEdit={(h) => setForm({ mode: 'edit', host: h.host })}
        onRemove={(h) => {
          setDetail(null);
          confirmRemove(h);
        }}
        onTerminal={openTerminal}
      />
    </>
  );

  const streamAlert = streamError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t('fleet.streamError')} description={<ErrorDetails error={streamError} action="fleetWatch" />} />;

  if (!loaded) {
    return (
      <div className="drover-fleet" data-testid="fleet-page" data-loaded="false">
        {streamAlert}
        <Card size="small">
          <Typography.Text type="secondary">{t('fleet.loading')}</Typography.Text>
          <Skeleton active paragraph={{ rows: 4 }} title={false} />
        </Card>
      </div>
    );
  }

  const importMenu = {
    items: (['ssh-config', 'etcd', 'lotus-workers', 'hostnames', 'file'] as const).map((s) => ({ key: s, label: <span data-testid={`fleet-import-menu-${s}`}>{t(`fleet.import.sources.${s}`)}</span> })),
    onClick: ({ key }: { key: string }) => setImportSource(key as ImportSource),
  };

  const hostsTab =
    order.length === 0 ? (
      <Card className="drover-fleet-empty" data-testid="fleet-empty">
        <Flex gap={16} align="flex-start">
          <CloudServerOutlined className="drover-fleet-empty-icon" />
          <div>
            <Typography.Title level={4} style={{ marginTop: 0 }}>
              {t('fleet.empty.title')}
            </Typography.Title>
            <Typography.Paragraph type="secondary">{t('fleet.empty.intro')}</Typography.Paragraph>
            <Flex gap={8} wrap>
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setForm({ mode: 'create' })} disabled={!live.fresh} data-testid="fleet-empty-add">
                {t('fleet.toolbar.add')}
              </Button>
              <Button icon={<FileTextOutlined />} onClick={() => setImportSource('ssh-config')}>
                {t('fleet.import.sources.ssh-config')}
              </Button>
              <Button onClick={() => setImportSource('etcd')}>{t('fleet.import.sources.etcd')}</Button>
              <Button onClick={() => setImportSource('lotus-workers')}>{t('fleet.import.sources.lotus-workers')}</Button>
            </Flex>
          </div>
        </Flex>
      </Card>
    ) : (
      <Flex vertical gap={10}>
        <Flex align="center" gap={8} wrap>
          <Segmented
            value={group}
            onChange={(v) => setGroup(v)}
            options={[{ value: '*', label: t('fleet.toolbar.allGroups') }, ...Object.keys(groups).map((g) => ({ value: g, label: g }))]}
            data-testid="fleet-group-filter"
          />
          <Input.Search allowClear placeholder={`${t('fleet.toolbar.search')} (/)`} style={{ width: 260 }} value={search} onChange={(e) => setSearch(e.target.value)} data-testid="fleet-search" data-shortcuts="off" />
          <Typography.Text type="secondary">{t('fleet.toolbar.shown', { count: rows.length })}</Typography.Text>
        </Flex>
        <HostTable
          rows={rows}
          fresh={live.fresh}
          clockOffsetMs={live.clockOffsetMs}
          intervalSec={service?.settings.probe.intervalSec ?? 30}
          selected={selected}
          onOpen={openDetail}
          onTerminal={openTerminal}
          onRetry={(id) => void retry(id)}
          onEdit={(h) => setForm({ mode: 'edit', host: h.host })}
          onRemove={confirmRemove}
        />
      </Flex>
    );

  return (
    <div className="drover-fleet" data-testid="fleet-page" data-loaded="true">
      {streamAlert}
      <Flex align="center" gap={12} wrap className="drover-fleet-toolbar">
        <Typography.Text data-testid="fleet-summary" className={live.fresh ? undefined : 'drover-stale'}>
          {t('fleet.toolbar.summary', { count: order.length, up })}
          {down > 0 && (
            <Tag color="error" style={{ marginInlineStart: 8 }} data-testid="fleet-summary-down">
              {t('fleet.toolbar.down', { count: down })}
            </Tag>
          )}
        </Typography.Text>
        <LiveStatus source={live} testId="fleet-live" />
        {service && !service.settings.probe.enabled && <Tag color="warning">{t('fleet.toolbar.probesOff')}</Tag>}
        {service?.probe.running && (
          <Typography.Text type="secondary">
            <SyncOutlined spin /> {t('fleet.toolbar.probing')}
          </Typography.Text>
        )}
        <div style={{ flex: 1 }} />
        <Tooltip title={`${t('fleet.toolbar.probeNow')} (P)`}>
          <Button icon={<SyncOutlined />} onClick={() => void probeNow()} loading={probing} disabled={!live.fresh || !service?.settings.probe.enabled} data-testid="fleet-probe-now">
            {t('fleet.toolbar.probeNow')}
          </Button>
        </Tooltip>
        <Dropdown menu={importMenu}>
          <Button icon={<ImportOutlined />} data-testid="fleet-import">
            {t('fleet.toolbar.import')}
          </Button>
        </Dropdown>
        <Button icon={<DownloadOutlined />} onClick={() => setExportOpen(true)} data-testid="fleet-export">
          {t('fleet.toolbar.export')}
        </Button>
        <Tooltip title={`${t('fleet.toolbar.add')} (N)`}>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setForm({ mode: 'create' })} disabled={!live.fresh} data-testid="fleet-add">
            {t('fleet.toolbar.add')}
          </Button>
        </Tooltip>
      </Flex>
      <Tabs
        activeKey={tab}
        onChange={(k) => setTab(k as FleetTab)}
        items={[
          { key: 'hosts', label: <span data-testid="fleet-tab-hosts">{t('fleet.tabs.hosts')}</span>, icon: <CloudServerOutlined />, children: hostsTab },
          {
            key: 'alerts',
            label: (
              <span data-testid="fleet-tab-alerts">
                {t('fleet.tabs.alerts')} <Badge count={firing} size="small" color={firing > 0 ? undefined : 'default'} />
              </span>
            ),
            icon: <AlertOutlined />,
            children: <AlertsPanel onOpenHost={openDetail} />,
          },
          { key: 'syslog', label: <span data-testid="fleet-tab-syslog">{t('fleet.tabs.syslog')}</span>, icon: <FileTextOutlined />, children: tab === 'syslog' ? <SyslogView key={syslogHost ?? ''} hostFilter={syslogHost} onSettings={() => setTab('settings')} /> : null },
          { key: 'settings', label: <span data-testid="fleet-tab-settings">{t('fleet.tabs.settings')}</span>, icon: <SettingOutlined />, children: <FleetSettingsPanel /> },
        ]}
      />
      {dialogs}
      {tab === 'hosts' && order.length > 0 && rows.length === 0 && <Empty description={t('fleet.toolbar.noMatch')} />}
    </div>
  );
}
