import { CloseOutlined, DeleteOutlined, HistoryOutlined, SaveOutlined, UndoOutlined } from '@ant-design/icons';
import { Alert, App, Button, Empty, Flex, Input, Segmented, Skeleton, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatBytes } from '../../components/format';
import { useFeatureStore } from '../../stores/stores';
import { b64ToBytes } from './etcd-bytes';
import { etcdStoreKey, useEtcdStore } from './etcd-hooks';
import { modesFor, selectEditor, selectFresh, selectStale, type EditMode } from './etcd-store';

/** The selected key: its metadata, its value in the chosen form, and CAS saves. */
export function ValueEditor({ onHistory }: { onHistory(): void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const store = useFeatureStore(etcdStoreKey);
  const ed = useEtcdStore(selectEditor);
  const fresh = useEtcdStore(selectFresh);
  const stale = useEtcdStore(selectStale);

  if (!ed) {
    return (
      <div className="drover-etcd-editor drover-etcd-editor-empty" data-testid="etcd-editor-empty">
        <Empty description={t('etcd.editor.none')} />
      </div>
    );
  }
  const kv = ed.loaded;
  const bytes = kv ? b64ToBytes(kv.value.base64) : new Uint8Array();
  const modes = kv ? modesFor(bytes).filter((m) => m !== 'json' || kv.value.kind === 'json' || ed.mode === 'json') : (['text', 'escaped', 'hex'] as EditMode[]);
  const canEdit = fresh && !ed.loading && !ed.saving;
  const jsonError = ed.saveError?.details?.json as { line: number; column: number; message: string } | undefined;

  const confirmDelete = () => {
    modal.confirm({
      title: t('etcd.editor.confirmDeleteTitle', { key: ed.keyDisplay }),
      content: <div data-testid="etcd-confirm-delete-key">{t('etcd.editor.confirmDeleteBody', { revision: kv?.entry.modRevision ?? 0 })}</div>,
      okText: t('etcd.editor.delete'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'etcd-confirm-delete-key-ok' } as Record<string, string>) },
      onOk: () => store.getState().deleteOpenKey(),
    });
  };

  return (
    <div className="drover-etcd-editor" data-testid="etcd-editor" data-key={ed.keyDisplay} data-mode={ed.mode} data-dirty={ed.dirty}>
      <Flex align="center" gap={8} className="drover-etcd-editor-head">
        <Typography.Text className="drover-mono drover-etcd-editor-key" copyable={{ text: ed.keyDisplay }} data-testid="etcd-editor-key">
          {ed.keyDisplay}
        </Typography.Text>
        <span style={{ flex: 1 }} />
        <Tooltip title={t('etcd.editor.close')}>
          <Button size="small" type="text" icon={<CloseOutlined />} onClick={() => store.getState().closeEditor()} aria-label={t('etcd.editor.close')} />
        </Tooltip>
      </Flex>
      {kv && (
        <div className={`drover-etcd-meta${stale ? ' drover-stale' : ''}`} data-testid="etcd-editor-meta">
          <Tag>{t(`etcd.kind.${kv.value.kind}`)}</Tag>
          <span>
            {t('etcd.editor.size')}: <b>{formatBytes(kv.value.sizeBytes)}</b>
            {kv.value.sizeBytes >= 1024 && <Typography.Text type="secondary"> ({kv.value.sizeBytes.toLocaleString()} B)</Typography.Text>}
          </span>
          <span>
            {t('etcd.editor.createRevision')}: <b className="drover-mono">{kv.entry.createRevision}</b>
          </span>
          <span>
            {t('etcd.editor.modRevision')}: <b className="drover-mono" data-testid="etcd-editor-mod">{kv.entry.modRevision}</b>
          </span>
          <span>
            {t('etcd.editor.version')}: <b className="drover-mono">{kv.entry.version}</b>
          </span>
          <span>
            {t('etcd.editor.lease')}: <b className="drover-mono">{kv.entry.lease === '0' ? t('etcd.editor.noLease') : kv.entry.lease}</b>
          </span>
          {!kv.entry.keyUtf8 && <Tag color="purple">{t('etcd.editor.binaryKey')}</Tag>}
        </div>
      )}
      {ed.error && <Alert type="error" showIcon title={t('etcd.editor.loadFailed')} description={<ErrorDetails error={ed.error} action="readEtcdKey" />} />}
      {ed.remote && (
        <Alert
          type="warning"
          showIcon
          data-testid="etcd-editor-remote"
          title={ed.remote.type === 'delete' ? t('etcd.editor.remoteDeleted', { revision: ed.remote.revision }) : t('etcd.editor.remoteChanged', { revision: ed.remote.revision })}
          description={t('etcd.editor.remoteHint')}
        />
      )}
      {!ed.loading && !kv && !ed.error && <Alert type="info" showIcon data-testid="etcd-editor-absent" title={t('etcd.editor.absent')} description={t('etcd.editor.absentHint')} />}
      {kv?.value.jsonError && ed.mode !== 'hex' && <Alert type="warning" showIcon title={t('etcd.editor.looksLikeJson')} description={<span className="drover-mono">{kv.value.jsonError.message}</span>} />}
      {ed.loading && !kv ? (
        <Skeleton active paragraph={{ rows: 6 }} title={false} />
      ) : (
        <>
          <Flex align="center" gap={8} wrap className="drover-etcd-editor-bar">
            <Segmented<EditMode>
              size="small"
              value={ed.mode}
              onChange={(m) => store.getState().setMode(m)}
              options={modes.map((m) => ({ value: m, label: t(`etcd.mode.${m}`) }))}
              data-testid="etcd-editor-mode"
            />
            {ed.dirty && (
              <Tag color="gold" data-testid="etcd-editor-dirty">
                {t('etcd.editor.modified')}
              </Tag>
            )}
            {kv?.value.displayTruncated && ed.mode === 'json' && <Tag>{t('etcd.editor.truncated')}</Tag>}
          </Flex>
          <Input.TextArea
            className={`drover-mono drover-etcd-textarea${stale ? ' drover-stale' : ''}`}
            value={ed.draft}
            onChange={(e) => store.getState().setDraft(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            disabled={!kv && ed.loading}
            status={ed.draftError || jsonError ? 'error' : undefined}
            data-testid="etcd-editor-text"
            data-shortcuts="editor"
            aria-label={t('etcd.editor.valueLabel')}
          />
          {ed.draftError && (
            <Typography.Text type="danger" data-testid="etcd-editor-draft-error">
              {ed.draftError}
            </Typography.Text>
          )}
          {ed.saveError && (
            <Alert
              type="error"
              showIcon
              data-testid="etcd-editor-save-error"
              data-line={jsonError?.line}
              data-column={jsonError?.column}
              title={jsonError ? t('etcd.editor.jsonRefused', { line: jsonError.line, column: jsonError.column }) : t('etcd.editor.saveFailed')}
              description={<ErrorDetails error={ed.saveError} action="saveEtcdKey" />}
            />
          )}
          <Flex gap={8} wrap className="drover-etcd-editor-actions">
            <Tooltip title={`${t('etcd.editor.saveHelp')} (Ctrl+S)`}>
              <Button type="primary" icon={<SaveOutlined />} disabled={!canEdit || (!ed.dirty && kv !== null)} loading={ed.saving} onClick={() => void store.getState().save()} data-testid="etcd-editor-save">
                {kv ? t('etcd.editor.save') : t('etcd.editor.createAgain')}
              </Button>
            </Tooltip>
            <Button icon={<UndoOutlined />} disabled={ed.loading} onClick={() => store.getState().revert()} data-testid="etcd-editor-revert">
              {ed.dirty ? t('etcd.editor.revert') : t('etcd.editor.reload')}
            </Button>
            <Tooltip title={`${t('etcd.editor.historyHelp')} (H)`}>
              <Button icon={<HistoryOutlined />} disabled={!fresh} onClick={onHistory} data-testid="etcd-editor-history">
                {t('etcd.editor.history')}
              </Button>
            </Tooltip>
            <span style={{ flex: 1 }} />
            <Button danger icon={<DeleteOutlined />} disabled={!canEdit || !kv} onClick={confirmDelete} data-testid="etcd-editor-delete">
              {t('etcd.editor.delete')}
            </Button>
          </Flex>
        </>
      )}
    </div>
  );
}
