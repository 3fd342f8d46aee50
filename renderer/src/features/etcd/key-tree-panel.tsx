import { DeleteOutlined, ExportOutlined, ReloadOutlined, SearchOutlined } from '@ant-design/icons';
import type { TFunction } from 'i18next';
import { Button, Input, Spin, Tooltip, Typography } from 'antd';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFeatureStore } from '../../stores/stores';
import { etcdStoreKey, useEtcdStore } from './etcd-hooks';
import { selectFresh, selectRows, selectSearch, selectSelected, selectStale } from './etcd-store';
import { segmentLabel, type Row } from './key-browser';
import { VirtualList } from './virtual-list';

export const ROW_HEIGHT = 26;

/** The key tree (or the keys of a prefix search), virtualized, with the live changes laid over it. */
export function KeyTreePanel({ onDeletePrefix, onExport, searchRef }: { onDeletePrefix(prefix: string): void; onExport(prefix: string): void; searchRef: React.RefObject<HTMLInputElement | null> }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const rows = useEtcdStore(selectRows);
  const selected = useEtcdStore(selectSelected);
  const search = useEtcdStore(selectSearch);
  const searchError = useEtcdStore((s) => s.searchError);
  const stale = useEtcdStore(selectStale);
  const fresh = useEtcdStore(selectFresh);
  const refresh = useEtcdStore((s) => s.refresh);
  const listPrefix = useEtcdStore((s) => s.list?.prefix ?? '');
  const [text, setText] = useState(search);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // The store's search changed from elsewhere (a session switch): the box follows it.
  const [shownSearch, setShownSearch] = useState(search);
  if (shownSearch !== search) {
    setShownSearch(search);
    setText(search);
  }
  useEffect(() => () => clearTimeout(timer.current), []);
  const onSearch = (value: string) => {
    setText(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => store.getState().setSearch(value), 250);
  };

  const selectedIndex = useMemo(() => (selected === null ? -1 : rows.findIndex((r) => r.id === selected)), [rows, selected]);
  const onVisible = useCallback(
    (_first: number, last: number) => {
      // The "more" row came into view: load the next page of its level.
      for (let i = Math.max(0, last - 30); i <= last && i < rows.length; i++) {
        const r = rows[i]!;
        if (r.kind === 'more' && !r.loading) store.getState().loadMore(r.parent);
      }
    },
    [rows, store],
  );

  return (
    <div className="drover-etcd-tree" data-testid="etcd-tree">
      <div className="drover-etcd-tree-search">
        <Input
          ref={(el) => {
            searchRef.current = el?.input ?? null;
          }}
          allowClear
          prefix={<SearchOutlined />}
          placeholder={t('etcd.tree.searchPlaceholder')}
          value={text}
          onChange={(e) => onSearch(e.target.value)}
          onPressEnter={(e) => {
            clearTimeout(timer.current);
            store.getState().setSearch(e.currentTarget.value);
          }}
          status={searchError ? 'error' : undefined}
          className="drover-mono"
          data-testid="etcd-search"
          spellCheck={false}
        />
        <Tooltip title={`${t('etcd.tree.refresh')} (R)`}>
          <Button icon={<ReloadOutlined />} onClick={refresh} aria-label={t('etcd.tree.refresh')} data-testid="etcd-refresh" />
        </Tooltip>
      </div>
      {searchError && (
        <Typography.Text type="danger" className="drover-etcd-tree-note">
          {searchError}
        </Typography.Text>
      )}
      {search !== '' && !searchError && (
        <div className="drover-etcd-tree-note">
          <Typography.Text type="secondary">{t('etcd.tree.searching', { prefix: search })}</Typography.Text>
          <span style={{ flex: 1 }} />
          <PrefixActions prefix={listPrefix} onDeletePrefix={onDeletePrefix} onExport={onExport} disabled={!fresh} />
        </div>
      )}
      <VirtualList
        items={rows}
        rowHeight={ROW_HEIGHT}
        getKey={(r) => r.id}
        scrollToIndex={selectedIndex}
        className={`drover-etcd-rows${stale ? ' drover-stale' : ''}`}
        testId="etcd-rows"
        onVisible={onVisible}
        render={(row) => <TreeRow row={row} selected={row.id === selected} onDeletePrefix={onDeletePrefix} onExport={onExport} actionsDisabled={!fresh} t={t} />}
      />
    </div>
  );
}

function PrefixActions({ prefix, onDeletePrefix, onExport, disabled }: { prefix: string; onDeletePrefix(p: string): void; onExport(p: string): void; disabled: boolean }) {
  const { t } = useTranslation();
  return (
    <span className="drover-etcd-row-actions">
      <Tooltip title={t('etcd.tree.exportPrefix')}>
        <Button
          size="small"
          type="text"
          icon={<ExportOutlined />}
          disabled={disabled}
          onClick={(e) => {
            e.stopPropagation();
            onExport(prefix);
          }}
          aria-label={t('etcd.tree.exportPrefix')}
          data-testid="etcd-export-prefix"
        />
      </Tooltip>
      <Tooltip title={t('etcd.tree.deletePrefix')}>
        <Button
          size="small"
          type="text"
          danger
          icon={<DeleteOutlined />}
          disabled={disabled}
          onClick={(e) => {
            e.stopPropagation();
            onDeletePrefix(prefix);
          }}
          aria-label={t('etcd.tree.deletePrefix')}
          data-testid="etcd-delete-prefix"
        />
      </Tooltip>
    </span>
  );
}

/** Plain marks instead of icon components: a screenful of rows is (re)drawn on every scroll frame. */
function RowIcon({ kind }: { kind: 'file' | 'dir' }) {
  return <span className={`drover-etcd-ico drover-etcd-ico-${kind}`} aria-hidden />;
}

const TreeRow = memo(function TreeRow({
  row,
  selected,
  onDeletePrefix,
  onExport,
  actionsDisabled,
  t,
}: {
  row: Row;
  selected: boolean;
  onDeletePrefix(p: string): void;
  onExport(p: string): void;
  actionsDisabled: boolean;
  t: TFunction;
}) {
  const store = useFeatureStore(etcdStoreKey);
  const indent = { paddingLeft: 6 + row.depth * 16 };
  switch (row.kind) {
    case 'loading':
      return (
        <div className="drover-etcd-row drover-etcd-row-note" style={indent} data-testid="etcd-row-loading">
          <Spin size="small" /> <Typography.Text type="secondary">{t('etcd.tree.loading')}</Typography.Text>
        </div>
      );
    case 'more':
      return (
        <div className="drover-etcd-row drover-etcd-row-note" style={indent}>
          <Button size="small" type="link" loading={row.loading} onClick={() => store.getState().loadMore(row.parent)} data-testid="etcd-row-more">
            {t('etcd.tree.more')}
          </Button>
        </div>
      );
    case 'empty':
      return (
        <div className="drover-etcd-row drover-etcd-row-note" style={indent} data-testid="etcd-row-empty">
          <Typography.Text type="secondary">{t('etcd.tree.empty')}</Typography.Text>
        </div>
      );
    case 'error':
      return (
        <div className="drover-etcd-row drover-etcd-row-note" style={indent} data-testid="etcd-row-error">
          <Tooltip title={row.error.hint}>
            <Typography.Text type="danger" ellipsis>
              {row.error.message}
            </Typography.Text>
          </Tooltip>
          <Button size="small" type="link" onClick={() => store.getState().refresh()}>
            {t('etcd.tree.retry')}
          </Button>
        </div>
      );
    case 'key':
      return (
        <div
          className={`drover-etcd-row${selected ? ' drover-etcd-row-selected' : ''}`}
          style={indent}
          onClick={() => store.getState().openKey(row.id)}
          data-testid="etcd-row"
          data-key={row.entry.keyDisplay}
          data-kind="leaf"
          role="treeitem"
          aria-selected={selected}
        >
          <RowIcon kind="file" />
          <span className="drover-etcd-row-label drover-mono">{row.entry.keyDisplay}</span>
          {row.changedRevision !== undefined && <span key={row.changedRevision} className="drover-etcd-flash" title={t('etcd.tree.changedAt', { revision: row.changedRevision })} />}
          {!row.entry.keyUtf8 && <span className="drover-etcd-badge">bin</span>}
        </div>
      );
    case 'node': {
      const n = row.node;
      const label = segmentLabel(n);
      if (n.isLeaf) {
        return (
          <div
            className={`drover-etcd-row${selected ? ' drover-etcd-row-selected' : ''}`}
            style={indent}
            onClick={() => store.getState().openKey(n.prefix)}
            data-testid="etcd-row"
            data-key={n.prefixDisplay}
            data-kind="leaf"
            role="treeitem"
            aria-selected={selected}
            title={n.prefixDisplay}
          >
            <span className="drover-etcd-caret" />
            <RowIcon kind="file" />
            <span className="drover-etcd-row-label drover-mono">{label}</span>
            {row.changedRevision !== undefined && <span key={row.changedRevision} className="drover-etcd-flash" title={t('etcd.tree.changedAt', { revision: row.changedRevision })} />}
            {n.entry && n.entry.lease !== '0' && <span className="drover-etcd-badge">{t('etcd.tree.lease')}</span>}
          </div>
        );
      }
      const expanded = row.expanded === true;
      return (
        <div
          className={`drover-etcd-row drover-etcd-row-dir${selected ? ' drover-etcd-row-selected' : ''}`}
          style={indent}
          onClick={() => {
            store.getState().select(n.prefix);
            store.getState().toggle(n.prefix);
          }}
          data-testid="etcd-row"
          data-key={n.prefixDisplay}
          data-kind="dir"
          data-expanded={expanded}
          role="treeitem"
          aria-expanded={expanded}
          aria-selected={selected}
          title={n.prefixDisplay}
        >
          <span className={`drover-etcd-caret${expanded ? ' drover-etcd-caret-open' : ''}`} />
          <RowIcon kind="dir" />
          <span className="drover-etcd-row-label drover-mono">{label}</span>
          {row.count !== undefined && <span className="drover-etcd-count">{row.count.toLocaleString()}</span>}
          {row.changedRevision !== undefined && <span key={row.changedRevision} className="drover-etcd-flash" title={t('etcd.tree.changedAt', { revision: row.changedRevision })} />}
          {selected && <PrefixActions prefix={n.prefix} onDeletePrefix={onDeletePrefix} onExport={onExport} disabled={actionsDisabled} />}
        </div>
      );
    }
  }
});
