import type { BackupSummary, DeletePlan, DeletePrefixResultData, RestoreResultData } from '@contract/etcd';
import { AppError } from '@contract/errors';
import { Alert, Button, Checkbox, Descriptions, Flex, Input, Modal, Spin, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatBytes } from '../../components/format';
import { useFeatureStore } from '../../stores/stores';
import { b64ToBytes, keyInputToB64 } from './etcd-bytes';
import { DialogFooter } from './dialog-footer';
import { etcdStoreKey } from './etcd-hooks';
import { searchTextFor, textFor } from './etcd-store';

/**
 * Deleting a prefix: how many keys, where the backup goes (editable), and the prefix typed exactly;
 * the service writes the backup before it deletes anything, in one guarded transaction.
 */
export function DeletePrefixDialog({ prefix, onClose, onRestore }: { prefix: string | null; onClose(): void; onRestore(file: string): void }) {
  const { t } = useTranslation();
  return (
    <Modal
      open={prefix !== null}
      onCancel={onClose}
      width={720}
      destroyOnHidden
      title={prefix === null ? t('etcd.deletePrefix.titleLoading') : t('etcd.deletePrefix.title', { prefix: searchTextFor(prefix) || '""' })}
      footer={null}
    >
      {prefix !== null && <DeletePrefixBody key={prefix} prefix={prefix} onClose={onClose} onRestore={onRestore} />}
    </Modal>
  );
}

function DeletePrefixBody({ prefix, onClose, onRestore }: { prefix: string; onClose(): void; onRestore(file: string): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const [plan, setPlan] = useState<DeletePlan | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [typed, setTyped] = useState('');
  const [file, setFile] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<DeletePrefixResultData | null>(null);

  useEffect(() => {
    let live = true;
    store
      .getState()
      .planDelete(prefix)
      .then(
        (p) => {
          if (!live) return;
          setPlan(p);
          setFile(p.backupFile);
        },
        (err: unknown) => live && setError(AppError.from(err)),
      );
    return () => {
      live = false;
    };
  }, [prefix, store]);

  const matches = plan !== null && typed === plan.confirmationText;
  const run = async () => {
    if (!plan || !matches) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await store.getState().deletePrefix(plan, typed, file));
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="etcd-delete-dialog">
      {!plan && !error && <Spin />}
      {error && <Alert type="error" showIcon title={t('etcd.deletePrefix.failed')} description={<ErrorDetails error={error} action="deleteEtcdPrefix" />} data-testid="etcd-delete-error" />}
      {plan && !result && (
        <Flex vertical gap={12}>
          <Alert
            type={plan.count === 0 ? 'info' : 'warning'}
            showIcon
            data-testid="etcd-delete-count"
            data-count={plan.count}
            title={plan.count === 0 ? t('etcd.deletePrefix.nothing') : t('etcd.deletePrefix.count', { count: plan.count, n: plan.count.toLocaleString(), prefix: plan.prefixDisplay || '""', revision: plan.revision })}
            description={plan.prefix === '' ? t('etcd.deletePrefix.everything') : t('etcd.deletePrefix.how')}
          />
          <div>
            <Typography.Text strong>{t('etcd.deletePrefix.backupFile')}</Typography.Text>
            <Input className="drover-mono" value={file} onChange={(e) => setFile(e.target.value)} data-testid="etcd-delete-backup" spellCheck={false} />
            <Typography.Text type="secondary">{t('etcd.deletePrefix.backupHint')}</Typography.Text>
          </div>
          <div>
            <Typography.Text strong>{t('etcd.deletePrefix.typeToConfirm')}</Typography.Text>{' '}
            <Typography.Text code className="drover-mono" data-testid="etcd-delete-expected">
              {plan.confirmationText}
            </Typography.Text>
            <Input
              className="drover-mono"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              status={typed !== '' && !matches ? 'error' : undefined}
              onPressEnter={() => void run()}
              data-testid="etcd-delete-typed"
              autoComplete="off"
              spellCheck={false}
              data-shortcuts="off"
            />
          </div>
        </Flex>
      )}
      {result && (
        <Alert
          type="success"
          showIcon
          data-testid="etcd-delete-result"
          title={t('etcd.deletePrefix.done', { count: result.deleted, n: result.deleted.toLocaleString(), revision: result.revision })}
          description={
            <span>
              {t('etcd.deletePrefix.backupAt', { n: result.backupCount.toLocaleString() })}{' '}
              <Typography.Text code copyable className="drover-mono" data-testid="etcd-delete-backup-path">
                {result.backupFile}
              </Typography.Text>
            </span>
          }
        />
      )}
      <DialogFooter>
        {result ? (
          <>
            <Button onClick={() => onRestore(result.backupFile)} data-testid="etcd-delete-restore">
              {t('etcd.deletePrefix.restoreNow')}
            </Button>
            <Button type="primary" onClick={onClose} data-testid="etcd-delete-done">
              {t('etcd.common.close')}
            </Button>
          </>
        ) : (
          <>
            <Button onClick={onClose}>{t('etcd.common.cancel')}</Button>
            <Button danger type="primary" disabled={!matches || plan.count === 0 || file.trim() === ''} loading={busy} onClick={() => void run()} data-testid="etcd-delete-confirm">
              {t('etcd.deletePrefix.confirm', { count: plan?.count ?? 0, n: (plan?.count ?? 0).toLocaleString() })}
            </Button>
          </>
        )}
      </DialogFooter>
    </div>
  );
}

function RestoreResultView({ result, onOpenKey }: { result: RestoreResultData; onOpenKey(key: string): void }) {
  const { t } = useTranslation();
  return (
    <Flex vertical gap={8} data-testid="etcd-restore-result" data-restored={result.restored} data-conflicts={result.conflictCount}>
      <Alert
        type={result.conflictCount > 0 ? 'warning' : 'success'}
        showIcon
        title={t('etcd.restore.summary', { restored: result.restored.toLocaleString(), unchanged: result.unchanged.toLocaleString(), conflicts: result.conflictCount.toLocaleString() })}
        description={result.conflictCount > 0 ? t('etcd.restore.conflictsHint') : undefined}
      />
      {result.conflicts.length > 0 && (
        <Table
          size="small"
          rowKey={(c) => c.key}
          dataSource={result.conflicts}
          pagination={false}
          virtual
          scroll={{ y: 260 }}
          columns={[
            { title: t('etcd.restore.key'), key: 'key', render: (_, c) => <Typography.Link className="drover-mono" onClick={() => onOpenKey(c.key)}>{c.keyDisplay}</Typography.Link> },
            { title: t('etcd.restore.inFile'), key: 'file', width: 220, render: (_, c) => <span className="drover-mono drover-etcd-cell">{c.proposed ? textFor(b64ToBytes(c.proposed), 'text').slice(0, 200) : ''}</span> },
            { title: t('etcd.restore.now'), key: 'now', width: 220, render: (_, c) => <span className="drover-mono drover-etcd-cell">{c.current ? textFor(b64ToBytes(c.current.value), 'text').slice(0, 200) : t('etcd.restore.absent')}</span> },
          ]}
        />
      )}
    </Flex>
  );
}

function BackupSummaryView({ summary }: { summary: BackupSummary }) {
  const { t } = useTranslation();
  return (
    <Descriptions
      size="small"
      bordered
      column={2}
      data-testid="etcd-backup-summary"
      items={[
        { key: 'prefix', label: t('etcd.restore.prefix'), children: <span className="drover-mono">{summary.prefixDisplay || '""'}</span> },
        { key: 'count', label: t('etcd.restore.count'), children: summary.count.toLocaleString() },
        { key: 'reason', label: t('etcd.restore.reason'), children: t(`etcd.restore.reasons.${summary.reason === 'export' ? 'export' : 'deletePrefix'}`) },
        { key: 'created', label: t('etcd.restore.created'), children: summary.createdAt },
        { key: 'endpoint', label: t('etcd.restore.endpoint'), children: <span className="drover-mono">{summary.endpoint}</span> },
        { key: 'revision', label: t('etcd.restore.revision'), children: summary.revision },
        { key: 'size', label: t('etcd.restore.size'), children: formatBytes(summary.sizeBytes) },
      ]}
    />
  );
}

/** Restore (or import): a file on the service's machine, shown first, then written back with create-only compares. */
export function RestoreDialog({ open, mode, initialFile, onClose, onOpenKey }: { open: boolean; mode: 'restore' | 'import'; initialFile: string; onClose(): void; onOpenKey(key: string): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} width={820} destroyOnHidden title={mode === 'restore' ? t('etcd.restore.title') : t('etcd.restore.importTitle')} footer={null}>
      {open && <RestoreBody key={`${mode}:${initialFile}`} mode={mode} initialFile={initialFile} onClose={onClose} onOpenKey={onOpenKey} />}
    </Modal>
  );
}

function RestoreBody({ mode, initialFile, onClose, onOpenKey }: { mode: 'restore' | 'import'; initialFile: string; onClose(): void; onOpenKey(key: string): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const [file, setFile] = useState(initialFile);
  const [rebase, setRebase] = useState('');
  const [summary, setSummary] = useState<BackupSummary | null>(null);
  const [result, setResult] = useState<RestoreResultData | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(initialFile !== '');

  const read = (f: string) =>
    store
      .getState()
      .inspectBackup(f.trim())
      .then(
        (s) => {
          setSummary(s);
          setRebase(searchTextFor(s.prefix));
        },
        (err: unknown) => setError(AppError.from(err)),
      )
      .finally(() => setBusy(false));

  useEffect(() => {
    if (initialFile) void read(initialFile);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, for the file the dialog was opened with
  }, []);

  const inspect = (f: string) => {
    setError(null);
    setSummary(null);
    setResult(null);
    setBusy(true);
    void read(f);
  };
  const run = async () => {
    if (!summary) return;
    setBusy(true);
    setError(null);
    try {
      if (mode === 'restore') setResult(await store.getState().restoreBackup(summary.file));
      else {
        const to = keyInputToB64(rebase);
        if (!to.ok) throw new AppError('INVALID_INPUT', to.error);
        setResult(await store.getState().importFile(summary.file, to.b64 !== summary.prefix ? to.b64 : undefined));
      }
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Flex vertical gap={12} data-testid="etcd-restore-dialog">
      <Typography.Text type="secondary">{mode === 'restore' ? t('etcd.restore.intro') : t('etcd.restore.importIntro')}</Typography.Text>
      <Flex gap={8}>
        <Input className="drover-mono" value={file} onChange={(e) => setFile(e.target.value)} onPressEnter={() => inspect(file)} placeholder={t('etcd.restore.filePlaceholder')} data-testid="etcd-restore-file" spellCheck={false} />
        <Button onClick={() => inspect(file)} loading={busy && !summary} disabled={file.trim() === ''} data-testid="etcd-restore-inspect">
          {t('etcd.restore.read')}
        </Button>
      </Flex>
      {error && <Alert type="error" showIcon title={t('etcd.restore.failed')} description={<ErrorDetails error={error} action="restoreEtcd" />} data-testid="etcd-restore-error" />}
      {summary && <BackupSummaryView summary={summary} />}
      {summary && mode === 'import' && !result && (
        <div>
          <Typography.Text strong>{t('etcd.restore.rebase')}</Typography.Text>
          <Input className="drover-mono" value={rebase} onChange={(e) => setRebase(e.target.value)} data-testid="etcd-import-rebase" spellCheck={false} />
          <Typography.Text type="secondary">{t('etcd.restore.rebaseHint')}</Typography.Text>
        </div>
      )}
      {result && (
        <RestoreResultView
          result={result}
          onOpenKey={(k) => {
            onClose();
            onOpenKey(k);
          }}
        />
      )}
      <DialogFooter>
        <Button onClick={onClose}>{result ? t('etcd.common.close') : t('etcd.common.cancel')}</Button>
        {!result && (
          <Button type="primary" disabled={!summary} loading={busy && summary !== null} onClick={() => void run()} data-testid="etcd-restore-run">
            {mode === 'restore' ? t('etcd.restore.run', { count: summary?.count ?? 0, n: (summary?.count ?? 0).toLocaleString() }) : t('etcd.restore.importRun', { count: summary?.count ?? 0, n: (summary?.count ?? 0).toLocaleString() })}
          </Button>
        )}
      </DialogFooter>
    </Flex>
  );
}

/** Export a prefix to a file on the service's machine, in the backup format. */
export function ExportDialog({ prefix, onClose }: { prefix: string | null; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={prefix !== null} onCancel={onClose} width={680} destroyOnHidden title={t('etcd.export.title', { prefix: prefix === null ? '' : searchTextFor(prefix) || '""' })} footer={null}>
      {prefix !== null && <ExportBody key={prefix} prefix={prefix} onClose={onClose} />}
    </Modal>
  );
}

function ExportBody({ prefix, onClose }: { prefix: string; onClose(): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const [file, setFile] = useState(() => store.getState().defaultExportFile(prefix));
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [done, setDone] = useState<{ file: string; count: number; revision: number } | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setDone(await store.getState().exportPrefix(prefix, file.trim(), overwrite));
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Flex vertical gap={10} data-testid="etcd-export-dialog">
      <Typography.Text type="secondary">{t('etcd.export.intro')}</Typography.Text>
      <Input className="drover-mono" value={file} onChange={(e) => setFile(e.target.value)} data-testid="etcd-export-file" spellCheck={false} />
      <Checkbox checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)}>
        {t('etcd.export.overwrite')}
      </Checkbox>
      {error && <Alert type="error" showIcon title={t('etcd.export.failed')} description={<ErrorDetails error={error} action="exportEtcd" />} />}
      {done && (
        <Alert
          type="success"
          showIcon
          data-testid="etcd-export-result"
          title={t('etcd.export.done', { n: done.count.toLocaleString(), revision: done.revision })}
          description={
            <Typography.Text code copyable className="drover-mono">
              {done.file}
            </Typography.Text>
          }
        />
      )}
      <DialogFooter>
        <Button onClick={onClose}>{done ? t('etcd.common.close') : t('etcd.common.cancel')}</Button>
        {!done && (
          <Button type="primary" loading={busy} disabled={file.trim() === ''} onClick={() => void run()} data-testid="etcd-export-run">
            {t('etcd.export.run')}
          </Button>
        )}
      </DialogFooter>
    </Flex>
  );
}
