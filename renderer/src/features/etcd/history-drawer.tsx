import { Alert, App, Button, Drawer, Empty, Flex, List, Select, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatBytes } from '../../components/format';
import { useFeatureStore } from '../../stores/stores';
import { DiffView } from './diff-view';
import { b64ToBytes } from './etcd-bytes';
import { etcdStoreKey, useEtcdStore } from './etcd-hooks';
import { selectFresh, selectHistory, textFor } from './etcd-store';

/** A key's earlier versions while etcd's history has them: read, compare, restore (CAS). */
export function HistoryDrawer({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const keyDisplay = useEtcdStore((s) => s.editor?.keyDisplay ?? '');
  return (
    <Drawer open={open} onClose={onClose} size={880} destroyOnHidden title={t('etcd.history.title', { key: keyDisplay })}>
      {open && <HistoryBody />}
    </Drawer>
  );
}

function HistoryBody() {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const store = useFeatureStore(etcdStoreKey);
  const history = useEtcdStore(selectHistory);
  const keyDisplay = useEtcdStore((s) => s.editor?.keyDisplay ?? '');
  const currentMod = useEtcdStore((s) => s.editor?.loaded?.entry.modRevision ?? 0);
  const fresh = useEtcdStore(selectFresh);
  const [picked, setPicked] = useState<number | null>(null);
  const [against, setAgainst] = useState<number | null>(null);

  useEffect(() => {
    void store.getState().loadHistory();
  }, [store, currentMod]);
  // A new current revision (a restore, a change in etcd): the picks start over.
  const [shownMod, setShownMod] = useState(currentMod);
  if (shownMod !== currentMod) {
    setShownMod(currentMod);
    setPicked(null);
    setAgainst(null);
  }

  const entries = history?.entries ?? [];
  const sel = entries.find((e) => e.entry.modRevision === picked) ?? entries[1] ?? entries[0];
  const base = entries.find((e) => e.entry.modRevision === against) ?? entries[0];
  // JSON values are compared in their pretty form (line by line), everything else byte-exact as text.
  const text = (e: (typeof entries)[number] | undefined) => (!e ? '' : e.value.kind === 'json' && !e.value.displayTruncated ? e.value.display : textFor(b64ToBytes(e.value.base64), 'text'));

  const restore = (revision: number) => {
    modal.confirm({
      title: t('etcd.history.confirmTitle', { revision }),
      content: t('etcd.history.confirmBody', { key: keyDisplay, current: currentMod }),
      okText: t('etcd.history.restore'),
      okButtonProps: { ...({ 'data-testid': 'etcd-history-restore-ok' } as Record<string, string>) },
      onOk: async () => {
        await store.getState().restoreRevision(revision);
      },
    });
  };

  return (
    <div data-testid="etcd-history">
        {history?.error && <Alert type="error" showIcon title={t('etcd.history.failed')} description={<ErrorDetails error={history.error} action="readEtcdHistory" />} />}
        {history?.loading && entries.length === 0 ? (
          <Spin />
        ) : entries.length === 0 ? (
          <Empty description={t('etcd.history.none')} />
        ) : (
          <Flex gap={16} align="flex-start">
            <List
              className="drover-etcd-history-list"
              size="small"
              dataSource={[...entries]}
              renderItem={(e) => (
                <List.Item
                  className={e.entry.modRevision === sel?.entry.modRevision ? 'drover-etcd-history-picked' : undefined}
                  onClick={() => setPicked(e.entry.modRevision)}
                  data-testid="etcd-history-item"
                  data-revision={e.entry.modRevision}
                >
                  <Flex vertical gap={2} style={{ width: '100%' }}>
                    <Flex gap={6} align="center">
                      <Typography.Text strong className="drover-mono">
                        {t('etcd.history.revision', { revision: e.entry.modRevision })}
                      </Typography.Text>
                      {e.entry.modRevision === currentMod && <Tag color="blue">{t('etcd.history.current')}</Tag>}
                    </Flex>
                    <Typography.Text type="secondary">
                      {t('etcd.history.meta', { version: e.entry.version, size: formatBytes(e.value.sizeBytes) })}
                    </Typography.Text>
                  </Flex>
                </List.Item>
              )}
              footer={
                <div className="drover-etcd-history-end">
                  {history?.next ? (
                    <Button size="small" loading={history.loading} onClick={() => void store.getState().loadHistory(true)}>
                      {t('etcd.history.older')}
                    </Button>
                  ) : (
                    <Typography.Text type="secondary" data-testid="etcd-history-end">
                      {history?.end === 'compacted' ? t('etcd.history.endCompacted') : t('etcd.history.endCreated')}
                    </Typography.Text>
                  )}
                </div>
              }
            />
            <div style={{ flex: 1, minWidth: 0 }}>
              {sel && (
                <>
                  <Flex gap={8} align="center" wrap style={{ marginBottom: 8 }}>
                    <Typography.Text>{t('etcd.history.compareWith')}</Typography.Text>
                    <Select
                      size="small"
                      style={{ width: 220 }}
                      value={base?.entry.modRevision}
                      onChange={(v) => setAgainst(v)}
                      options={entries.map((e) => ({ value: e.entry.modRevision, label: t('etcd.history.revision', { revision: e.entry.modRevision }) }))}
                    />
                    <span style={{ flex: 1 }} />
                    <Button
                      type="primary"
                      disabled={!fresh || sel.entry.modRevision === currentMod}
                      onClick={() => restore(sel.entry.modRevision)}
                      data-testid="etcd-history-restore"
                    >
                      {t('etcd.history.restoreThis', { revision: sel.entry.modRevision })}
                    </Button>
                  </Flex>
                  <DiffView
                    oldText={text(base)}
                    newText={text(sel)}
                    oldLabel={t('etcd.history.revision', { revision: base?.entry.modRevision ?? 0 })}
                    newLabel={t('etcd.history.revision', { revision: sel.entry.modRevision })}
                    testId="etcd-history-diff"
                  />
                  <Typography.Title level={5}>{t('etcd.history.value', { revision: sel.entry.modRevision })}</Typography.Title>
                  <pre className="drover-mono drover-etcd-pre">{sel.value.display}</pre>
                </>
              )}
            </div>
          </Flex>
        )}
    </div>
  );
}
