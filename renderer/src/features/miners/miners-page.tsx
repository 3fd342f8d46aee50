import { AlertOutlined, AreaChartOutlined, DashboardOutlined, EditOutlined, PlusOutlined, ProfileOutlined, SyncOutlined, ThunderboltOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { liveKeys } from '@contract/live';
import { Alert, Badge, Button, Card, Empty, Flex, Skeleton, Tabs, Tag, Tooltip, Typography } from 'antd';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { LiveStatus, liveLook } from '../../components/live-status';
import { useFeatureStore } from '../../stores/stores';
import { AlertsPanel } from './alerts-panel';
import { DEFAULT_JOBS_FILTER, type JobsFilter } from './jobs-view';
import { JobActionsContext, JobsTable } from './jobs-table';
import { MinerCharts } from './miner-charts';
import { minerLabel, useMinerActions, WorkerTasksDialog, type TasksDialogTarget } from './miner-actions';
import { MinerViewContext, useMinerView } from './miner-view';
import { minersStoreKey, useMinersStore } from './miners-hooks';
import { parseMinersHash } from './miners-links';
import { selectMinersLive, selectMinersLoaded, selectOpen, selectOrder } from './miners-store';
import { installMinersTestHook } from './miners-test-hook';
import { OverviewPanel } from './overview-panel';
import { SessionFormDrawer } from './session-form';
import { WorkersTable } from './workers-table';
import { size } from './miners-format';
import './miners.css';

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

/** The height left below an element in the window (virtual tables need a number). */
function useHeightBelow(min = 260): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [h, setH] = useState(min);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setH(Math.max(min, window.innerHeight - el.getBoundingClientRect().top - 48));
    update();
    const ro = new ResizeObserver(update);
    ro.observe(document.body);
    window.addEventListener('resize', update);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', update);
    };
  }, [min]);
  return [ref, h];
}

export type MinerTab = 'overview' | 'workers' | 'jobs' | 'alerts' | 'charts';
const TABS: readonly MinerTab[] = ['overview', 'workers', 'jobs', 'alerts', 'charts'];

/** One card per saved miner: its health, actor, power and queue at a glance; a click shows its panel. */
const MinerCard = memo(function MinerCard({ id, open, active, onOpen }: { id: string; open: boolean; active: boolean; onOpen(id: string): void }) {
  const { t } = useTranslation();
  const m = useMinersStore((s) => s.miners[id]);
  const fresh = useMinersStore((s) => s.live.fresh);
  const connected = useMinersStore((s) => s.live.connected);
  const look = liveLook({ connected, fresh, health: m.health, clockOffsetMs: 0 });
  const alerts = useMinersStore((s) => s.alertCounts[id] ?? 0);
  if (!m) return null;
  const status = look === 'live' ? 'success' : look === 'connecting' ? 'processing' : look === 'stale' ? 'warning' : 'error';
  return (
    <Card
      size="small"
      hoverable
      onClick={() => onOpen(id)}
      className={`drover-miners-minercard${active ? ' drover-miners-minercard-active' : open ? ' drover-miners-minercard-open' : ''}`}
      data-testid="miners-card"
      data-session={m.sessionId}
      data-look={look}
    >
      <Flex vertical gap={2}>
        <Flex align="center" gap={6}>
          <Badge status={status} />
          <Typography.Text strong ellipsis>
            {m.name}
          </Typography.Text>
          {alerts > 0 && <Tag color="error">{t('miners.card.alerts', { count: alerts })}</Tag>}
        </Flex>
        <Typography.Text type="secondary" className="drover-miners-small drover-miners-mono">
          {m.overview?.minerId ?? '—'} · {m.kind.toUpperCase()}
        </Typography.Text>
        <Typography.Text className="drover-miners-small">
          {t('miners.card.summary', { qa: size(m.overview?.power.qualityAdjusted), workers: m.workerCount, running: m.jobsByState.running ?? 0, jobs: m.jobCount })}
        </Typography.Text>
      </Flex>
    </Card>
  );
});

/** One miner: the live status header (age, cause, tunnel), then its overview, workers, jobs, alerts and charts. */
/** The panel's live status line on its own: it changes with every poll, the rest of the panel does not. */
function PanelLiveStatus() {
  const live = useMinerView((s) => s.live);
  return <LiveStatus source={live} testId="miners-live" />;
}

// The tab labels' counts change with the polls; each label re-renders alone, not the panel and its tabs.
function WorkersTabLabel() {
  const { t } = useTranslation();
  const workerCount = useMinerView((s) => liveKeys(s.workers).length);
  const troubled = useMinerView((s) => Object.values(s.workers).filter((w) => w.state !== 'ok' || w.connection === 'unreachable').length);
  return (
    <span data-testid="miners-tab-workers">
      {t('miners.tabs.workers', { count: workerCount })}
      {troubled > 0 && <Badge count={troubled} size="small" style={{ marginInlineStart: 6 }} />}
    </span>
  );
}

function JobsTabLabel() {
  const { t } = useTranslation();
  const jobCount = useMinerView((s) => liveKeys(s.jobs).length);
  return <span data-testid="miners-tab-jobs">{t('miners.tabs.jobs', { count: jobCount })}</span>;
}

function AlertsTabLabel() {
  const { t } = useTranslation();
  const alertCount = useMinerView((s) => liveKeys(s.alerts).length);
  return (
    <span data-testid="miners-tab-alerts">
      {t('miners.tabs.alerts')} <Badge count={alertCount} size="small" color={alertCount > 0 ? undefined : 'default'} />
    </span>
  );
}

const MinerPanel = memo(function MinerPanel({ tab, onTab, onEdit, filter, onFilter }: { tab: MinerTab; onTab(t: MinerTab): void; onEdit(): void; filter: JobsFilter; onFilter(f: JobsFilter): void }) {
  const { t } = useTranslation();
  // Primitives only: the session's item changes with every poll, these rarely do.
  const exists = useMinerView((s) => s.item !== undefined);
  const name = useMinerView((s) => s.item?.name ?? s.sessionId);
  const minerId = useMinerView((s) => s.item?.overview?.minerId);
  const where = useMinerView((s) => s.item?.where ?? '');
  const access = useMinerView((s) => s.item?.access);
  const paused = useMinerView((s) => s.item?.paused === true);
  const connected = useMinerView((s) => s.live.connected);
  const sessionId = useMinerView((s) => s.sessionId);
  const problems = useMinerView((s) => s.problems);
  const polling = useMinersStore((s) => s.busy[sessionId] === 'poll');
  const pollNow = useMinersStore((s) => s.pollNow);
  const [tasks, setTasks] = useState<TasksDialogTarget | null>(null);
  const miner = minerLabel(minerId, name);
  const actions = useMinerActions(sessionId, miner, setTasks);
  const [ref, height] = useHeightBelow();

  if (!exists) return <Empty description={t('miners.panel.gone')} />;
  const showJob = (jobKey: string) => {
    onFilter({ ...DEFAULT_JOBS_FILTER, text: jobKey.split(':')[0]!.split('#')[0]! });
    onTab('jobs');
  };
  const showWorker = () => onTab('workers');

  return (
    <JobActionsContext.Provider value={actions.jobs}>
      <Flex vertical gap={8} data-testid="miners-panel" data-session={sessionId}>
        <Flex align="center" gap={10} wrap className="drover-miners-panelhead">
          <Typography.Title level={5} style={{ margin: 0 }} data-testid="miners-panel-title">
            {minerId ?? name}
          </Typography.Title>
          <Typography.Text type="secondary">{name}</Typography.Text>
          <Tooltip title={where}>
            <Typography.Text type="secondary" ellipsis className="drover-miners-mono drover-miners-small" style={{ maxWidth: 360 }}>
              {where}
            </Typography.Text>
          </Tooltip>
          {access === 'read' && (
            <Tooltip title={t('miners.access.readHint')}>
              <Tag color="warning" data-testid="miners-access-read">
                {t('miners.access.read')}
              </Tag>
            </Tooltip>
          )}
          {paused && <Tag>{t('miners.panel.paused')}</Tag>}
          <PanelLiveStatus />
          <span style={{ flex: 1 }} />
          <Tooltip title={`${t('miners.panel.pollNow')} (R)`}>
            <Button size="small" icon={<SyncOutlined />} loading={polling} disabled={!connected || paused} onClick={() => void pollNow(sessionId)} data-testid="miners-poll-now">
              {t('miners.panel.pollNow')}
            </Button>
          </Tooltip>
          <Tooltip title={`${t('miners.panel.edit')} (E)`}>
            <Button size="small" icon={<EditOutlined />} onClick={onEdit} data-testid="miners-edit">
              {t('miners.panel.edit')}
            </Button>
          </Tooltip>
        </Flex>
        {problems.length > 0 && (
          <Alert
            type="warning"
            showIcon
            data-testid="miners-problems"
            title={t('miners.panel.problems', { count: problems.length })}
            description={
              <ul className="drover-miners-problems">
                {problems.slice(0, 6).map((p, i) => (
                  <li key={i}>
                    <span className="drover-mono">{p.source}</span>: {p.message}
                    {p.hint ? <Typography.Text type="secondary"> — {p.hint}</Typography.Text> : null}
                  </li>
                ))}
              </ul>
            }
          />
        )}
        <div ref={ref} />
        <Tabs
          activeKey={tab}
          onChange={(k) => onTab(k as MinerTab)}
          size="small"
          items={[
            { key: 'overview', icon: <DashboardOutlined />, label: <span data-testid="miners-tab-overview">{t('miners.tabs.overview')}</span>, children: tab === 'overview' ? <OverviewPanel /> : null },
            {
              key: 'workers',
              icon: <ProfileOutlined />,
              label: <WorkersTabLabel />,
              children: tab === 'workers' ? <WorkersTable actions={actions.workers} height={height - 56} /> : null,
            },
            {
              key: 'jobs',
              icon: <UnorderedListOutlined />,
              label: <JobsTabLabel />,
              children: tab === 'jobs' ? <JobsTable height={height - 100} filter={filter} onFilter={onFilter} /> : null,
            },
            {
              key: 'alerts',
              icon: <AlertOutlined />,
              label: <AlertsTabLabel />,
              children: tab === 'alerts' ? <AlertsPanel onShowJob={showJob} onShowWorker={showWorker} /> : null,
            },
            { key: 'charts', icon: <AreaChartOutlined />, label: <span data-testid="miners-tab-charts">{t('miners.tabs.charts')}</span>, children: tab === 'charts' ? <MinerCharts /> : null },
          ]}
        />
      </Flex>
      <WorkerTasksDialog target={tasks} onClose={() => setTasks(null)} />
    </JobActionsContext.Provider>
  );
});

/** The stream's live status while the first snapshot is awaited. */
function StreamLiveStatus() {
  const live = useMinersStore(selectMinersLive);
  return <LiveStatus source={live} testId="miners-stream-live" />;
}

/**
 * Miners: every saved lotus-miner session at a glance (cards), the ones opened side by side as
 * tabs, each with its live status, overview, workers, jobs (virtualized), alerts and charts.
 */
export function MinersPage() {
  const { t } = useTranslation();
  const store = useFeatureStore(minersStoreKey);
  const loaded = useMinersStore(selectMinersLoaded);
  // Only whether the link is up: the stream's live view changes with every frame.
  const connected = useMinersStore((s) => s.live.connected);
  const order = useMinersStore(selectOrder);
  const open = useMinersStore(selectOpen);
  // "id\u0001label" per session: the page re-renders when a miner comes or goes or is renamed, not on every poll.
  const labels = useMinersStore((s) => s.order.map((id) => `${id}\u0001${s.miners[id]?.overview?.minerId ?? s.miners[id]?.name ?? id}`).join('\u0002'));
  const active = useMinersStore((s) => s.active);
  const configs = useMinersStore((s) => s.configs);
  const streamError = useMinersStore((s) => s.streamError);
  const [form, setForm] = useState<{ id: string | null } | null>(null);
  const [tab, setTab] = useState<MinerTab>('overview');
  const [filters, setFilters] = useState<Record<string, JobsFilter>>({});
  // #/miners?worker=<name> (a Fleet host's "Lotus jobs"): that worker's jobs, once the stream has them.
  const [missingWorker, setMissingWorker] = useState<string | null>(null);
  useEffect(() => {
    let wanted = parseMinersHash(window.location.hash).worker;
    const apply = () => {
      if (!wanted || !store.getState().loaded) return;
      const name = wanted;
      wanted = undefined;
      const found = store.getState().findWorker(name);
      if (!found) {
        setMissingWorker(name);
        return;
      }
      setMissingWorker(null);
      store.getState().openMiner(found.sessionId);
      setFilters((p) => ({ ...p, [found.sessionId]: { ...DEFAULT_JOBS_FILTER, workers: [found.workerId] } }));
      setTab('jobs');
    };
    const onHash = () => {
      wanted = parseMinersHash(window.location.hash).worker;
      apply();
    };
    window.addEventListener('hashchange', onHash);
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.loaded && !prev.loaded) apply();
    });
    // Already loaded (the page was shown before): after this render.
    queueMicrotask(apply);
    return () => {
      wanted = undefined;
      window.removeEventListener('hashchange', onHash);
      unsubscribe();
    };
  }, [store]);

  useEffect(() => {
    if (__DROVER_TEST_HOOKS__) installMinersTestHook();
  }, []);
  useEffect(() => {
    void store.getState().refreshConfigs();
  }, [store, order]);

  const labelOf = useMemo(() => new Map(labels.split('\u0002').filter(Boolean).map((x) => x.split('\u0001') as [string, string])), [labels]);
  const shown = useMemo(() => open.filter((id) => labelOf.has(id)), [open, labelOf]);
  const openMiner = useCallback((id: string) => store.getState().openMiner(id), [store]);
  const current = active && shown.includes(active) ? active : (shown[0] ?? null);
  const edit = useCallback(() => current && setForm({ id: current }), [current]);
  const onFilter = useCallback((f: JobsFilter) => current && setFilters((p) => ({ ...p, [current]: f })), [current]);

  // Page keys, through a ref so the listener is bound once.
  const keys = useRef({ shown, current, edit });
  useEffect(() => {
    keys.current = { shown, current, edit };
  });
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target) || overlayOpen()) return;
      const k = keys.current;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      let handled = true;
      const digit = TABS[Number(key) - 1];
      if (/^[1-5]$/.test(key) && digit) setTab(digit);
      else if ((key === '[' || key === ']') && k.shown.length > 0) {
        const i = k.current ? k.shown.indexOf(k.current) : 0;
        const next = k.shown[(i + (key === ']' ? 1 : k.shown.length - 1)) % k.shown.length]!;
        store.getState().setActive(next);
      } else if (key === 'n') setForm({ id: null });
      else if (key === 'e' && k.current) k.edit();
      else if (key === 'r' && k.current) void store.getState().pollNow(k.current);
      else if (key === '/') {
        setTab('jobs');
        setTimeout(() => document.querySelector<HTMLInputElement>('[data-testid="miners-jobs-search"] input, input[data-testid="miners-jobs-search"]')?.focus(), 0);
      } else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [store]);

  const workerAlert = missingWorker !== null && (
    <Alert
      type="info"
      showIcon
      closable
      onClose={() => setMissingWorker(null)}
      style={{ marginBottom: 12 }}
      data-testid="miners-worker-missing"
      title={t('miners.workerLink.missing', { worker: missingWorker })}
      description={t('miners.workerLink.missingHint')}
    />
  );
  const streamAlert = streamError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t('miners.streamError')} description={<ErrorDetails error={streamError} action="minersWatch" />} />;
  const formItem = form?.id ? (configs[form.id] ?? null) : null;
  const drawer = <SessionFormDrawer open={form !== null && (form.id === null || formItem !== null)} item={formItem} onClose={() => setForm(null)} />;

  if (!loaded) {
    return (
      <div className="drover-miners" data-testid="miners-page" data-loaded="false">
        {streamAlert}
        <Flex align="center" gap={8}>
          <StreamLiveStatus />
        </Flex>
        <Card size="small">
          <Typography.Text type="secondary">{t('miners.loading')}</Typography.Text>
          <Skeleton active paragraph={{ rows: 4 }} title={false} />
        </Card>
      </div>
    );
  }

  if (order.length === 0) {
    return (
      <div className="drover-miners" data-testid="miners-page" data-loaded="true">
        {streamAlert}
        {workerAlert}
        <Card className="drover-miners-empty" data-testid="miners-empty">
          <Flex gap={16} align="flex-start">
            <ThunderboltOutlined className="drover-miners-empty-icon" />
            <div>
              <Typography.Title level={4} style={{ marginTop: 0 }}>
                {t('miners.empty.title')}
              </Typography.Title>
              <Typography.Paragraph type="secondary">{t('miners.empty.intro')}</Typography.Paragraph>
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setForm({ id: null })} disabled={!connected} data-testid="miners-add-first">
                {t('miners.toolbar.add')}
              </Button>
            </div>
          </Flex>
        </Card>
        {drawer}
      </div>
    );
  }

  return (
    <div className="drover-miners" data-testid="miners-page" data-loaded="true" data-active={current ?? ''}>
      {streamAlert}
      {workerAlert}
      <Flex gap={8} wrap align="stretch" className="drover-miners-cards">
        {order.map((id) => (
          <MinerCard key={id} id={id} open={shown.includes(id)} active={id === current} onOpen={openMiner} />
        ))}
        <Tooltip title={`${t('miners.toolbar.add')} (N)`}>
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => setForm({ id: null })} disabled={!connected} className="drover-miners-addcard" data-testid="miners-add">
            {t('miners.toolbar.add')}
          </Button>
        </Tooltip>
      </Flex>
      {shown.length === 0 ? (
        <Empty description={t('miners.panel.pick')} />
      ) : (
        <Tabs
          type="editable-card"
          hideAdd
          activeKey={current ?? undefined}
          onChange={(id) => store.getState().setActive(id)}
          onEdit={(id, action) => {
            if (action === 'remove' && typeof id === 'string') store.getState().closeMiner(id);
          }}
          items={shown.map((id) => ({
            key: id,
            label: (
              <span data-testid="miners-miner-tab" data-session={id}>
                {labelOf.get(id)}
              </span>
            ),
            children:
              id === current ? (
                <MinerViewContext.Provider value={store.getState().view(id)}>
                  <MinerPanel tab={tab} onTab={setTab} onEdit={edit} filter={filters[id] ?? DEFAULT_JOBS_FILTER} onFilter={onFilter} />
                </MinerViewContext.Provider>
              ) : null,
          }))}
        />
      )}
      {drawer}
    </div>
  );
}
