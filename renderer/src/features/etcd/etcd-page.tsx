import { DatabaseOutlined, EditOutlined, ImportOutlined, PlusOutlined, RollbackOutlined, SyncOutlined } from '@ant-design/icons';
import { Alert, Badge, Button, Card, Flex, Select, Skeleton, Tabs, Tooltip, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LiveStatus } from '../../components/live-status';
import { useFeatureStore } from '../../stores/stores';
import { ClusterSummary } from './cluster-status';
import { ConflictDialog } from './conflict-dialog';
import { etcdStoreKey, useEtcdStore } from './etcd-hooks';
import { searchTextFor, selectCurrentSession, selectFresh, selectNotice, selectSessionOrder, selectSessions, selectSessionsLoaded, selectTab, selectWatch, type EtcdTab } from './etcd-store';
import { FarmPanel } from './farm-panel';
import { HistoryDrawer } from './history-drawer';
import { KeyTreePanel } from './key-tree-panel';
import { LeasesPanel } from './leases-panel';
import { NewKeyDialog } from './new-key-dialog';
import { DeletePrefixDialog, ExportDialog, RestoreDialog } from './prefix-dialogs';
import { SessionFormDrawer } from './session-form';
import { ValueEditor } from './value-editor';
import './etcd.css';

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
  return [...document.querySelectorAll('.ant-modal-wrap, .ant-drawer-open')].some((el) => el.getClientRects().length > 0);
}

const HEALTH_BADGE: Record<string, 'success' | 'processing' | 'warning' | 'error' | 'default'> = { live: 'success', connecting: 'processing', stale: 'warning', down: 'error' };

/** etcd: sessions, the key browser with its value editor, leases and the farm tables. */
export function EtcdPage() {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const loaded = useEtcdStore(selectSessionsLoaded);
  const order = useEtcdStore(selectSessionOrder);
  const sessions = useEtcdStore(selectSessions);
  const current = useEtcdStore(selectCurrentSession);
  const watch = useEtcdStore(selectWatch);
  const notice = useEtcdStore(selectNotice);
  const tab = useEtcdStore(selectTab);
  const fresh = useEtcdStore(selectFresh);
  const searchRef = useRef<HTMLInputElement | null>(null);

  const [formOpen, setFormOpen] = useState(false);
  const [formItem, setFormItem] = useState<typeof current | null>(null);
  const [newKeyOpen, setNewKeyOpen] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [deletePrefix, setDeletePrefix] = useState<string | null>(null);
  const [exportPrefix, setExportPrefix] = useState<string | null>(null);
  const [restore, setRestore] = useState<{ mode: 'restore' | 'import'; file: string } | null>(null);

  const openForm = (item: typeof current | null) => {
    setFormItem(item ?? null);
    setFormOpen(true);
  };
  const newKeyBase = () => {
    const s = store.getState();
    if (s.search) return s.search;
    const row = s.rows.find((r) => r.id === s.selected);
    if (row?.kind === 'node') return searchTextFor(row.node.isLeaf ? row.parent : row.id);
    return '/';
  };
  const openKeyInBrowser = (key: string) => {
    store.getState().setTab('keys');
    store.getState().openKey(key);
  };

  // Page keys, bound once; the latest state through a ref.
  const freshRef = useRef(fresh);
  useEffect(() => {
    freshRef.current = fresh;
  }, [fresh]);
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing || e.defaultPrevented) return;
      const s = store.getState();
      const isFresh = freshRef.current;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 's') {
        if (s.editor && !overlayOpen()) {
          e.preventDefault();
          if (s.editor.dirty || !s.editor.loaded) void s.save();
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || overlayOpen() || s.tab !== 'keys') return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const row = s.rows.find((r) => r.id === s.selected);
      let handled = true;
      if (key === '/') searchRef.current?.focus();
      else if (key === 'ArrowDown' || key === 'j') s.move(1);
      else if (key === 'ArrowUp' || key === 'k') s.move(-1);
      else if (key === 'ArrowRight' && row?.kind === 'node' && !row.node.isLeaf) s.setExpanded(row.id, true);
      else if (key === 'ArrowLeft' && row?.kind === 'node') {
        if (!row.node.isLeaf && s.expanded[row.id]) s.setExpanded(row.id, false);
        else if (row.parent !== '') s.select(row.parent);
      } else if (key === 'Enter' && row) {
        if (row.kind === 'key' || (row.kind === 'node' && row.node.isLeaf)) s.openKey(row.id);
        else if (row.kind === 'node') s.toggle(row.id);
      } else if (key === 'n' && isFresh) setNewKeyOpen(true);
      else if (key === 'h' && s.editor && isFresh) setHistoryOpen(true);
      else if (key === 'r') s.refresh();
      else if (key === 'Delete' && isFresh) {
        if (row?.kind === 'node' && !row.node.isLeaf) setDeletePrefix(row.id);
        else if (s.editor?.loaded) document.querySelector<HTMLButtonElement>('[data-testid="etcd-editor-delete"]')?.click();
      } else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [store]);

  const dialogs = (
    <>
      <SessionFormDrawer open={formOpen} item={formItem ?? null} onClose={() => setFormOpen(false)} />
      <NewKeyDialog open={newKeyOpen} initialKey={newKeyOpen ? newKeyBase() : ''} onClose={() => setNewKeyOpen(false)} />
      <HistoryDrawer open={historyOpen} onClose={() => setHistoryOpen(false)} />
      <DeletePrefixDialog
        prefix={deletePrefix}
        onClose={() => setDeletePrefix(null)}
        onRestore={(file) => {
          setDeletePrefix(null);
          setRestore({ mode: 'restore', file });
        }}
      />
      <ExportDialog prefix={exportPrefix} onClose={() => setExportPrefix(null)} />
      <RestoreDialog open={restore !== null} mode={restore?.mode ?? 'restore'} initialFile={restore?.file ?? ''} onClose={() => setRestore(null)} onOpenKey={openKeyInBrowser} />
      <ConflictDialog />
    </>
  );

  if (!loaded) {
    return (
      <div className="drover-etcd" data-testid="etcd-page" data-loaded="false">
        <Card size="small">
          <Typography.Text type="secondary">{t('etcd.loading')}</Typography.Text>
          <Skeleton active paragraph={{ rows: 3 }} title={false} />
        </Card>
      </div>
    );
  }

  if (order.length === 0) {
    return (
      <div className="drover-etcd" data-testid="etcd-page" data-loaded="true">
        <Card className="drover-etcd-empty" data-testid="etcd-empty">
          <Flex gap={16} align="flex-start">
            <DatabaseOutlined className="drover-etcd-empty-icon" />
            <div>
              <Typography.Title level={4} style={{ marginTop: 0 }}>
                {t('etcd.empty.title')}
              </Typography.Title>
              <Typography.Paragraph type="secondary">{t('etcd.empty.intro')}</Typography.Paragraph>
              <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm(null)} data-testid="etcd-new-session">
                {t('etcd.session.new')}
              </Button>
            </div>
          </Flex>
        </Card>
        {dialogs}
      </div>
    );
  }

  const tabs: { key: EtcdTab; label: string }[] = [
    { key: 'keys', label: t('etcd.tabs.keys') },
    { key: 'leases', label: t('etcd.tabs.leases') },
    { key: 'workers', label: t('etcd.tabs.workers') },
    { key: 'datacenters', label: t('etcd.tabs.datacenters') },
  ];

  return (
    <div className="drover-etcd" data-testid="etcd-page" data-loaded="true" data-session={current?.config.id}>
      <Flex align="center" gap={8} wrap className="drover-etcd-toolbar">
        <Select
          className="drover-etcd-session-select"
          value={current?.config.id}
          onChange={(id: string) => store.getState().selectSession(id)}
          data-testid="etcd-session-select"
          options={order.map((id) => {
            const s = sessions[id]!;
            return {
              value: id,
              label: (
                <span>
                  <Badge status={s.open ? HEALTH_BADGE[s.health.state] : 'default'} /> {s.config.name}
                </span>
              ),
            };
          })}
        />
        <Tooltip title={t('etcd.session.edit')}>
          <Button icon={<EditOutlined />} onClick={() => openForm(current ?? null)} aria-label={t('etcd.session.edit')} data-testid="etcd-edit-session" />
        </Tooltip>
        <Tooltip title={t('etcd.session.new')}>
          <Button icon={<PlusOutlined />} onClick={() => openForm(null)} aria-label={t('etcd.session.new')} data-testid="etcd-new-session" />
        </Tooltip>
        <ClusterSummary />
        {current?.open && current.health.state !== 'live' && (
          <Button size="small" icon={<SyncOutlined />} onClick={() => void store.getState().connect()} data-testid="etcd-connect">
            {t('etcd.session.retryNow')}
          </Button>
        )}
      </Flex>
      {notice && (
        <Alert
          type="info"
          showIcon
          closable
          onClose={() => store.getState().dismissNotice()}
          data-testid="etcd-resync-notice"
          data-reason={notice.reason}
          title={notice.reason === 'compacted' ? t('etcd.notice.compacted', { revision: notice.compactRevision ?? 0, resume: notice.resumeRevision }) : t('etcd.notice.overflow', { revision: notice.resumeRevision })}
          description={t('etcd.notice.reloaded')}
        />
      )}
      <Tabs
        activeKey={tab}
        onChange={(k) => store.getState().setTab(k as EtcdTab)}
        items={tabs.map((x) => ({ key: x.key, label: <span data-testid={`etcd-tab-${x.key}`}>{x.label}</span> }))}
        className="drover-etcd-tabs"
      />
      {tab === 'keys' && (
        <>
          <Flex gap={8} wrap align="center" className="drover-etcd-keys-bar">
            <Tooltip title={`${t('etcd.keys.newKey')} (N)`}>
              <Button icon={<PlusOutlined />} disabled={!fresh} onClick={() => setNewKeyOpen(true)} data-testid="etcd-new-key-open">
                {t('etcd.keys.newKey')}
              </Button>
            </Tooltip>
            <Button icon={<RollbackOutlined />} disabled={!fresh} onClick={() => setRestore({ mode: 'restore', file: '' })} data-testid="etcd-restore-open">
              {t('etcd.keys.restore')}
            </Button>
            <Button icon={<ImportOutlined />} disabled={!fresh} onClick={() => setRestore({ mode: 'import', file: '' })} data-testid="etcd-import-open">
              {t('etcd.keys.import')}
            </Button>
            <span style={{ flex: 1 }} />
            <span className="drover-etcd-watch-status">
              <LiveStatus source={watch.live} testId="etcd-watch-live" />
              {watch.info && (
                <Typography.Text type="secondary" className="drover-mono" data-testid="etcd-watch-revision">
                  {t('etcd.watch.revision', { revision: watch.info.revision })}
                </Typography.Text>
              )}
            </span>
          </Flex>
          <div className="drover-etcd-split">
            <KeyTreePanel searchRef={searchRef} onDeletePrefix={setDeletePrefix} onExport={setExportPrefix} />
            <ValueEditor onHistory={() => setHistoryOpen(true)} />
          </div>
        </>
      )}
      {tab === 'leases' && <LeasesPanel onOpenKey={openKeyInBrowser} />}
      {tab === 'workers' && <FarmPanel kind="worker" onOpenKey={openKeyInBrowser} />}
      {tab === 'datacenters' && <FarmPanel kind="datacenter" onOpenKey={openKeyInBrowser} />}
      {dialogs}
    </div>
  );
}
