import { CodeOutlined, FileTextOutlined, ImportOutlined, NodeIndexOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Skeleton, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LiveStatus } from '../../components/live-status';
import { ErrorDetails } from '../../components/error-details';
import { useFeatureStore } from '../../stores/stores';
import { tunnelsStoreKey, useTunnelsStore } from './tunnels-hooks';
import { isRunningState, selectTunnelOrder, selectTunnelProfiles, selectTunnelStreamError, selectTunnelsLive, selectTunnelsLoaded, type TunnelsState } from './tunnels-store';
import { ImportCommandDialog } from './import-command-dialog';
import { ImportSshConfigDialog } from './import-ssh-config-dialog';
import { TunnelCard, useConfirmDelete, useConfirmStop } from './tunnel-card';
import { blankValues, profileToValues, TunnelFormDrawer, type TunnelFormInit } from './tunnel-form';
import './tunnels.css';

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
  return target instanceof Element && target.closest('button, a[href], [role="switch"], [role="button"], input, label') !== null;
}

/** A dialog, drawer or confirmation is up (ours, the shortcut help, the host key question). */
function overlayOpen(): boolean {
  const shown = (el: Element) => el.getClientRects().length > 0;
  return [...document.querySelectorAll('.ant-modal-wrap, .ant-drawer-open')].some(shown);
}

/** "up/attention" counts of the tunnels. */
function selectSummary(s: TunnelsState): string {
  let up = 0;
  let attention = 0;
  for (const id of s.order) {
    const state = s.statuses[id]?.state ?? 'stopped';
    if (state === 'up') up++;
    else if (state === 'degraded' || state === 'backoff' || state === 'waiting' || state === 'failed') attention++;
  }
  return `${up}/${attention}`;
}

/** Tunnels: the list of profiles with live state, and creating them (form, autossh line, ~/.ssh/config). */
export function TunnelsPage() {
  const { t } = useTranslation();
  const loaded = useTunnelsStore(selectTunnelsLoaded);
  const order = useTunnelsStore(selectTunnelOrder);
  const profiles = useTunnelsStore(selectTunnelProfiles);
  // Counts as one string: the page re-renders when they change, not on every traffic update.
  const summary = useTunnelsStore(selectSummary);
  const tunnelsStore = useFeatureStore(tunnelsStoreKey);
  const streamError = useTunnelsStore(selectTunnelStreamError);
  const live = useTunnelsStore(selectTunnelsLive);
  const toggle = useTunnelsStore((s) => s.toggle);
  const retryNow = useTunnelsStore((s) => s.retryNow);
  const confirmDelete = useConfirmDelete();
  const confirmStop = useConfirmStop();
  const start = useTunnelsStore((s) => s.start);

  const [selected, setSelected] = useState<string | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [sshConfigOpen, setSshConfigOpen] = useState(false);
  const [formInit, setFormInit] = useState<TunnelFormInit | null>(null);
  const [formOpen, setFormOpen] = useState(false);

  const openForm = (init: TunnelFormInit) => {
    setFormInit(init);
    setFormOpen(true);
  };
  const openNew = () => openForm({ mode: 'create', values: blankValues() });
  const openEdit = (id: string) => {
    const p = profiles[id];
    if (p) openForm({ mode: 'edit', base: p, values: profileToValues(p) });
  };
  const current = selected !== null && profiles[selected] ? selected : null;

  // Page keys, through a ref so the listener is bound once.
  const keys = useRef({ order, current, profiles, openNew, openEdit, toggle, start, retryNow, confirmDelete, confirmStop, tunnelsStore });
  useEffect(() => {
    keys.current = { order, current, profiles, openNew, openEdit, toggle, start, retryNow, confirmDelete, confirmStop, tunnelsStore };
  });
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target) || overlayOpen()) return;
      const k = keys.current;
      const fresh = k.tunnelsStore.getState().live.fresh;
      const move = (delta: number) => {
        if (k.order.length === 0) return;
        const i = k.current === null ? (delta > 0 ? -1 : k.order.length) : k.order.indexOf(k.current);
        const next = k.order[Math.min(k.order.length - 1, Math.max(0, i + delta))]!;
        setSelected(next);
        document.querySelector(`[data-tunnel-id="${CSS.escape(next)}"]`)?.scrollIntoView({ block: 'nearest' });
      };
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      let handled = true;
      if (e.repeat && key !== 'ArrowDown' && key !== 'ArrowUp' && key !== 'j' && key !== 'k') return;
      if (key === 'n') k.openNew();
      else if (key === 'i') setImportOpen(true);
      else if (key === 'ArrowDown' || key === 'j') move(1);
      else if (key === 'ArrowUp' || key === 'k') move(-1);
      else if ((key === 'Enter' || key === ' ') && k.current && fresh && !activatesItself(e.target)) {
        const p = k.profiles[k.current];
        const running = isRunningState(k.tunnelsStore.getState().statuses[k.current]?.state ?? 'stopped');
        if (running && p) k.confirmStop(p);
        else void k.start(k.current);
      }
      else if (key === 'r' && k.current && fresh) {
        const state = k.tunnelsStore.getState().statuses[k.current]?.state;
        if (state === 'backoff' || state === 'failed' || state === 'waiting') void k.retryNow(k.current);
      } else if (key === 'e' && k.current && fresh) k.openEdit(k.current);
      else if (key === 'Delete' && k.current && fresh) {
        const p = k.profiles[k.current];
        if (p) k.confirmDelete(p, isRunningState(k.tunnelsStore.getState().statuses[k.current]?.state ?? 'stopped'));
      } else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  // Stable for the memoized cards.
  const openEditRef = useCallback((id: string) => keys.current.openEdit(id), []);

  const dialogs = (
    <>
      <ImportCommandDialog open={importOpen} onClose={() => setImportOpen(false)} onSaved={setSelected} onEdit={openForm} />
      <ImportSshConfigDialog open={sshConfigOpen} onClose={() => setSshConfigOpen(false)} onUse={openForm} />
      <TunnelFormDrawer init={formInit} open={formOpen} onClose={() => setFormOpen(false)} onClosed={() => setFormInit(null)} />
    </>
  );

  const actions = (
    <Flex gap={8} wrap>
      <Tooltip title={t('tunnels.toolbar.importSshConfigHelp')}>
        <Button icon={<FileTextOutlined aria-hidden />} onClick={() => setSshConfigOpen(true)} data-testid="tunnels-import-ssh-config">
          {t('tunnels.toolbar.importSshConfig')}
        </Button>
      </Tooltip>
      <Tooltip title={`${t('tunnels.toolbar.importHelp')} (I)`}>
        <Button icon={<ImportOutlined aria-hidden />} onClick={() => setImportOpen(true)} data-testid="tunnels-import">
          {t('tunnels.toolbar.import')}
        </Button>
      </Tooltip>
      <Tooltip title={`${t('tunnels.toolbar.new')} (N)`}>
        <Button type="primary" icon={<PlusOutlined aria-hidden />} onClick={openNew} data-testid="tunnels-new">
          {t('tunnels.toolbar.new')}
        </Button>
      </Tooltip>
    </Flex>
  );

  const streamAlert = streamError && (
    <Alert
      type="error"
      showIcon
      className="drover-tunnels-alert"
      data-testid="tunnels-stream-error"
      title={t('tunnels.streamError')}
      description={<ErrorDetails error={streamError} action="watchTunnels" />}
    />
  );

  if (!loaded) {
    return (
      <div className="drover-tunnels" data-testid="tunnels-page" data-loaded="false">
        {streamAlert}
        <Card size="small">
          <Typography.Text type="secondary">{t('tunnels.loading')}</Typography.Text>
          <Skeleton active paragraph={{ rows: 3 }} title={false} />
        </Card>
        {dialogs}
      </div>
    );
  }

  if (order.length === 0) {
    return (
      <div className="drover-tunnels" data-testid="tunnels-page" data-loaded="true">
        {streamAlert}
        <EmptyState onImport={() => setImportOpen(true)} onNew={openNew} onSshConfig={() => setSshConfigOpen(true)} />
        {dialogs}
      </div>
    );
  }

  const [up, attention] = summary.split('/').map(Number) as [number, number];

  return (
    <div className="drover-tunnels" data-testid="tunnels-page" data-loaded="true">
      {streamAlert}
      <Flex align="center" gap={12} wrap className="drover-tunnels-toolbar">
        <Typography.Text data-testid="tunnels-summary" className={live.fresh ? undefined : 'drover-stale'}>
          {t('tunnels.toolbar.summary', { count: order.length, up })}
          {attention > 0 && (
            <Tag color="warning" className="drover-tunnels-attention" data-testid="tunnels-attention">
              {t('tunnels.toolbar.attention', { count: attention })}
            </Tag>
          )}
        </Typography.Text>
        <LiveStatus source={live} testId="tunnels-live" />
        <div style={{ flex: 1 }} />
        {actions}
      </Flex>
      <div className="drover-tunnel-list" data-testid="tunnel-list">
        {order.map((id) => {
          const p = profiles[id];
          return p ? <TunnelCard key={id} profile={p} selected={current === id} onSelect={setSelected} onEdit={openEditRef} /> : null;
        })}
      </div>
      {dialogs}
    </div>
  );
}

function EmptyState({ onImport, onNew, onSshConfig }: { onImport(): void; onNew(): void; onSshConfig(): void }) {
  const { t } = useTranslation();
  return (
    <Card className="drover-tunnels-empty" data-testid="tunnels-empty">
      <Flex gap={16} align="flex-start">
        <NodeIndexOutlined className="drover-tunnels-empty-icon" />
        <div style={{ flex: 1 }}>
          <Typography.Title level={4} style={{ marginTop: 0 }}>
            {t('tunnels.empty.title')}
          </Typography.Title>
          <Typography.Paragraph type="secondary">{t('tunnels.empty.intro')}</Typography.Paragraph>
          <div className="drover-tunnels-empty-choices">
            <button type="button" className="drover-choice" onClick={onImport} data-testid="tunnels-empty-import">
              <CodeOutlined className="drover-choice-icon" />
              <span className="drover-choice-title">
                {t('tunnels.empty.importTitle')} <Typography.Text keyboard>I</Typography.Text>
              </span>
              <span className="drover-choice-text">{t('tunnels.empty.importText')}</span>
              <code className="drover-choice-example">autossh -M 0 -N -L 127.0.0.1:9092:kafka:9092 root@rig-17</code>
            </button>
            <button type="button" className="drover-choice" onClick={onNew} data-testid="tunnels-empty-new">
              <PlusOutlined className="drover-choice-icon" />
              <span className="drover-choice-title">
                {t('tunnels.empty.newTitle')} <Typography.Text keyboard>N</Typography.Text>
              </span>
              <span className="drover-choice-text">{t('tunnels.empty.newText')}</span>
            </button>
          </div>
          <Typography.Paragraph style={{ marginTop: 12, marginBottom: 0 }}>
            <Typography.Text type="secondary">{t('tunnels.empty.sshConfigLead')} </Typography.Text>
            <Button type="link" size="small" style={{ padding: 0 }} onClick={onSshConfig} data-testid="tunnels-empty-ssh-config">
              {t('tunnels.toolbar.importSshConfig')}
            </Button>
          </Typography.Paragraph>
        </div>
      </Flex>
    </Card>
  );
}
