import { CloudServerOutlined, PlusOutlined, ReloadOutlined, SearchOutlined } from '@ant-design/icons';
import type { DomainHostStatus, DomainStateName } from '@contract/domains';
import { DOMAIN_STATE_NAMES } from '@contract/domains';
import { Alert, Button, Card, Flex, Input, Select, Skeleton, Tooltip, Typography, type InputRef } from 'antd';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { LiveStatus } from '../../components/live-status';
import { BulkBar, BulkResults } from './bulk-panel';
import { DetailsDrawer } from './details-drawer';
import { DomainActionsProvider, useDomainActions } from './domain-actions';
import { stateText } from './domain-format';
import { DomainTable } from './domain-table';
import { useDomainsStore, useDomainsStoreApi } from './domains-hooks';
import { actionApplies, hostOrder, hostUsable, selectDomainsLive, selectDomainsLoaded, selectHosts, selectStreamError, visibleKeys } from './domains-store';
import { parseDomainsHash } from './domains-links';
import { HostCard } from './host-panel';
import { HostFormDrawer, type HostFormInit } from './host-form';
import './domains.css';

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

/** Enter and Space already activate these: the page does not take the key from them. */
function activatesItself(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('button, a[href], [role="switch"], [role="button"], input, label, [role="menuitem"]') !== null;
}

/** A dialog, drawer or confirmation is up. */
function overlayOpen(): boolean {
  const shown = (el: Element) => el.getClientRects().length > 0;
  return [...document.querySelectorAll('.ant-modal-wrap, .ant-drawer-open, .ant-dropdown:not(.ant-dropdown-hidden)')].some(shown);
}

/** Domains: every KVM host's libvirt domains in one live table, with actions, details and consoles. */
export function DomainsPage() {
  return (
    <DomainActionsProvider>
      <DomainsView />
    </DomainActionsProvider>
  );
}

function DomainsView() {
  const { t } = useTranslation();
  const loaded = useDomainsStore(selectDomainsLoaded);
  const hosts = useDomainsStore(selectHosts);
  const live = useDomainsStore(selectDomainsLive);
  const streamError = useDomainsStore(selectStreamError);
  const domains = useDomainsStore((s) => s.domains);
  const hostFilter = useDomainsStore((s) => s.hostFilter);
  const search = useDomainsStore((s) => s.search);
  const stateFilter = useDomainsStore((s) => s.stateFilter);
  const store = useDomainsStoreApi();
  const actions = useDomainActions();
  const [form, setForm] = useState<HostFormInit | null>(null);
  const searchRef = useRef<InputRef>(null);
  const tableBox = useRef<HTMLDivElement>(null);
  const [tableHeight, setTableHeight] = useState(420);

  // #/domains?host=<id> (from Fleet's host details): only that KVM host's domains.
  useEffect(() => {
    const apply = () => {
      const { host } = parseDomainsHash(window.location.hash);
      if (host) store.getState().setHostFilter(host);
    };
    apply();
    window.addEventListener('hashchange', apply);
    return () => window.removeEventListener('hashchange', apply);
  }, [store]);

  const order = useMemo(() => hostOrder(hosts), [hosts]);
  const keys = useMemo(() => visibleKeys({ domains, hosts, hostFilter, search, stateFilter }), [domains, hosts, hostFilter, search, stateFilter]);
  const summary = useMemo(() => {
    let running = 0;
    let paused = 0;
    for (const r of Object.values(domains)) {
      if (r.state === 'running') running++;
      else if (r.state === 'paused') paused++;
    }
    return { total: Object.keys(domains).length, running, paused };
  }, [domains]);

  // The table fills the window below it (virtualized: only visible rows are drawn).
  useLayoutEffect(() => {
    const measure = () => {
      const top = tableBox.current?.getBoundingClientRect().top ?? 300;
      setTableHeight(Math.max(240, Math.floor(window.innerHeight - top - 90)));
    };
    measure();
    window.addEventListener('resize', measure);
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : undefined;
    if (ro && tableBox.current?.parentElement) ro.observe(tableBox.current.parentElement);
    return () => {
      window.removeEventListener('resize', measure);
      ro?.disconnect();
    };
  }, [loaded, order.length]);

  const openAdd = () => setForm({ base: null });
  const openEdit = (h: DomainHostStatus) => setForm({ base: h.config });

  // Page keys, through a ref so the listener is bound once.
  const keysRef = useRef({ keys, openAdd, actions });
  useEffect(() => {
    keysRef.current = { keys, openAdd, actions };
  });
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target) || overlayOpen()) return;
      const k = keysRef.current;
      const s = store.getState();
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const cur = s.cursor !== null && k.keys.includes(s.cursor) ? s.cursor : null;
      const row = cur ? s.domains[cur] : undefined;
      const usable = row ? hostUsable(s.live, s.hosts[row.hostId]) : false;
      const move = (delta: number) => {
        if (k.keys.length === 0) return;
        const i = cur === null ? (delta > 0 ? -1 : k.keys.length) : k.keys.indexOf(cur);
        const next = k.keys[Math.min(k.keys.length - 1, Math.max(0, i + delta))]!;
        s.setCursor(next);
        document.querySelector(`[data-testid="domain-row"][data-key="${CSS.escape(next)}"]`)?.scrollIntoView({ block: 'nearest' });
      };
      let handled = true;
      if (e.repeat && !['ArrowDown', 'ArrowUp', 'j', 'k'].includes(key)) return;
      if (key === 'n') k.openAdd();
      else if (key === '/') searchRef.current?.focus();
      else if (key === 'ArrowDown' || key === 'j') move(1);
      else if (key === 'ArrowUp' || key === 'k') move(-1);
      else if ((key === 'x' || (key === ' ' && !activatesItself(e.target))) && cur) s.toggleSelected(cur);
      else if (key === 'Enter' && cur && !activatesItself(e.target)) void s.openDetails(cur);
      else if (key === 'r') void s.refresh();
      else if (cur && row && usable && key === 's') k.actions.run(cur, row.id !== null ? 'shutdown' : 'start');
      else if (cur && row && usable && key === 'p') {
        if (actionApplies('resume', row)) k.actions.run(cur, 'resume');
        else if (actionApplies('suspend', row)) k.actions.run(cur, 'suspend');
      } else if (cur && row && usable && key === 'c' && row.id !== null) k.actions.openConsole(cur);
      else if (cur && row && usable && key === 'Delete' && actionApplies('destroy', row)) k.actions.run(cur, 'destroy');
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [store]);

  const streamAlert = streamError && (
    <Alert type="error" showIcon data-testid="domains-stream-error" title={t('domains.streamError')} description={<ErrorDetails error={streamError} action="watchDomains" />} />
  );
  const formDrawer = <HostFormDrawer init={form} onClose={() => setForm(null)} onSaved={() => undefined} />;

  if (!loaded) {
    return (
      <div className="drover-domains" data-testid="domains-page" data-loaded="false">
        {streamAlert}
        <Card size="small">
          <Typography.Text type="secondary">{t('domains.loading')}</Typography.Text>
          <Skeleton active paragraph={{ rows: 4 }} title={false} />
        </Card>
      </div>
    );
  }

  if (order.length === 0) {
    return (
      <div className="drover-domains" data-testid="domains-page" data-loaded="true">
        {streamAlert}
        <Card className="drover-domains-empty" data-testid="domains-empty">
          <Flex gap={16} align="flex-start">
            <CloudServerOutlined className="drover-domains-empty-icon" />
            <div style={{ flex: 1 }}>
              <Typography.Title level={4} style={{ marginTop: 0 }}>
                {t('domains.empty.title')}
              </Typography.Title>
              <Typography.Paragraph type="secondary">{t('domains.empty.intro')}</Typography.Paragraph>
              <Typography.Paragraph type="secondary">{t('domains.empty.needs')}</Typography.Paragraph>
              <Button type="primary" icon={<PlusOutlined />} onClick={openAdd} data-testid="domains-empty-add">
                {t('domains.toolbar.addHost')} <Typography.Text keyboard>N</Typography.Text>
              </Button>
            </div>
          </Flex>
        </Card>
        {formDrawer}
      </div>
    );
  }

  return (
    <div className="drover-domains" data-testid="domains-page" data-loaded="true">
      {streamAlert}
      <Flex align="center" gap={12} wrap className="drover-domains-toolbar">
        <Typography.Text data-testid="domains-summary" className={live.fresh ? undefined : 'drover-stale'}>
          {t('domains.toolbar.summary', { total: summary.total, running: summary.running, paused: summary.paused, hosts: order.length })}
        </Typography.Text>
        <LiveStatus source={live} testId="domains-live" />
        <div style={{ flex: 1 }} />
        <Tooltip title={`${t('domains.toolbar.refresh')} (R)`}>
          <Button icon={<ReloadOutlined />} disabled={!live.fresh} onClick={() => void store.getState().refresh()} data-testid="domains-refresh">
            {t('domains.toolbar.refresh')}
          </Button>
        </Tooltip>
        <Tooltip title={`${t('domains.toolbar.addHost')} (N)`}>
          <Button type="primary" icon={<PlusOutlined />} onClick={openAdd} data-testid="domains-add-host">
            {t('domains.toolbar.addHost')}
          </Button>
        </Tooltip>
      </Flex>
      <div className="drover-domain-hosts" data-testid="domain-hosts">
        {order.map((id) => (
          <HostCard key={id} hostId={id} onEdit={openEdit} />
        ))}
      </div>
      <Flex align="center" gap={8} wrap className="drover-domains-filters">
        <Input
          ref={searchRef}
          allowClear
          prefix={<SearchOutlined />}
          placeholder={`${t('domains.toolbar.search')} (/)`}
          value={search}
          onChange={(e) => store.getState().setSearch(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
          }}
          style={{ width: 240 }}
          data-testid="domains-search"
        />
        <Select
          value={hostFilter ?? ''}
          onChange={(v: string) => store.getState().setHostFilter(v === '' ? null : v)}
          options={[{ value: '', label: t('domains.toolbar.allHosts') }, ...order.map((id) => ({ value: id, label: hosts[id]!.config.name }))]}
          style={{ width: 180 }}
          data-testid="domains-host-filter"
        />
        <Select<DomainStateName[]>
          mode="multiple"
          allowClear
          maxTagCount="responsive"
          placeholder={t('domains.toolbar.allStates')}
          value={[...stateFilter]}
          onChange={(v) => store.getState().setStateFilter(v)}
          options={DOMAIN_STATE_NAMES.map((s) => ({ value: s, label: stateText(t, s) }))}
          style={{ width: 220 }}
          data-testid="domains-state-filter"
        />
        <Typography.Text type="secondary" data-testid="domains-shown">
          {t('domains.toolbar.shown', { count: keys.length })}
        </Typography.Text>
        <div style={{ flex: 1 }} />
        <BulkBar />
      </Flex>
      <div ref={tableBox} className="drover-domain-table-box">
        <DomainTable keys={keys} height={tableHeight} showHost={hostFilter === null && order.length > 1} />
      </div>
      <DetailsDrawer />
      <BulkResults />
      {formDrawer}
    </div>
  );
}
