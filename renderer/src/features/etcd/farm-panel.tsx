import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import type { ConflictInfo, EnvCheck, EnvRow, FarmTableKind, MergedEnv } from '@contract/etcd';
import { AppError } from '@contract/errors';
import { Alert, Button, Flex, Input, Modal, Table, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useFeatureStore } from '../../stores/stores';
import { FleetMachineLink } from '../fleet/machine-link';
import { DiffView } from './diff-view';
import { b64ToBytes, decodeUtf8 } from './etcd-bytes';
import { DialogFooter } from './dialog-footer';
import { etcdStoreKey, useEtcdStore } from './etcd-hooks';
import { selectFresh } from './etcd-store';

interface EditTarget {
  readonly id: string;
  readonly text: string;
  /** 0 for a new one. */
  readonly modRevision: number;
}

/**
 * The farm's two tables: worker environments keyed by MAC, and datacenter configs keyed by UUID,
 * read with the session's key patterns. Edits are validated (MAC in colon, hyphen or bare form
 * normalised; env syntax line by line) by the same code the netboot responder serves them with.
 */
export function FarmPanel({ kind, onOpenKey }: { kind: FarmTableKind; onOpenKey(key: string): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const table = useEtcdStore((s) => s.farm[kind]);
  const fresh = useEtcdStore(selectFresh);
  const [edit, setEdit] = useState<EditTarget | null>(null);
  const idLabel = kind === 'worker' ? t('etcd.farm.mac') : t('etcd.farm.uuid');

  return (
    <div className="drover-etcd-panel" data-testid={`etcd-farm-${kind}`}>
      <Flex align="center" gap={8} wrap className="drover-etcd-panel-bar">
        <Typography.Text>
          {t('etcd.farm.pattern')}: <Typography.Text code className="drover-mono">{table?.pattern ?? ''}</Typography.Text>
        </Typography.Text>
        {table && <Typography.Text type="secondary">{t('etcd.farm.rows', { count: table.rows.length })}</Typography.Text>}
        {table && table.skipped > 0 && (
          <Tooltip title={t('etcd.farm.skippedHelp')}>
            <Tag>{t('etcd.farm.skipped', { count: table.skipped })}</Tag>
          </Tooltip>
        )}
        <span style={{ flex: 1 }} />
        <Button icon={<ReloadOutlined />} loading={table?.loading} onClick={() => void store.getState().loadFarm(kind)}>
          {t('etcd.farm.refresh')}
        </Button>
        <Button type="primary" icon={<PlusOutlined />} disabled={!fresh} onClick={() => setEdit({ id: '', text: '', modRevision: 0 })} data-testid={`etcd-farm-${kind}-add`}>
          {kind === 'worker' ? t('etcd.farm.addWorker') : t('etcd.farm.addDatacenter')}
        </Button>
      </Flex>
      {table?.error && <Alert type="error" showIcon title={t('etcd.farm.failed')} description={<ErrorDetails error={table.error} action="readEtcdFarm" />} />}
      <Table<EnvRow>
        size="small"
        rowKey={(r) => r.entry.key}
        loading={table?.loading && table.rows.length === 0}
        dataSource={[...(table?.rows ?? [])]}
        pagination={false}
        virtual
        scroll={{ y: 520 }}
        locale={{ emptyText: t('etcd.farm.none') }}
        onRow={(r) => ({ onClick: () => fresh && setEdit({ id: r.id, text: r.text, modRevision: r.entry.modRevision }), 'data-testid': 'etcd-farm-row', 'data-id': r.normalized ?? r.id }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: idLabel,
            key: 'id',
            width: 340,
            render: (_, r) => (
              <Flex vertical>
                <Flex align="center" gap={6} wrap>
                  <span className="drover-mono">{r.normalized ?? r.id}</span>
                  {kind === 'worker' && <FleetMachineLink mac={r.normalized ?? r.id} showUnknown />}
                </Flex>
                {r.normalized && r.normalized !== r.id && <Typography.Text type="secondary" className="drover-mono">{t('etcd.farm.writtenAs', { id: r.id })}</Typography.Text>}
              </Flex>
            ),
          },
          {
            title: t('etcd.farm.env'),
            key: 'env',
            render: (_, r) => (
              <span className="drover-etcd-env">
                {r.env.slice(0, 8).map((e) => (
                  <Tag key={e.key} className="drover-mono">
                    {e.key}={e.value.length > 40 ? `${e.value.slice(0, 40)}…` : e.value}
                  </Tag>
                ))}
                {r.env.length > 8 && <Tag>+{r.env.length - 8}</Tag>}
              </span>
            ),
          },
          {
            title: t('etcd.farm.problems'),
            key: 'problems',
            width: 130,
            render: (_, r) =>
              r.problems.length === 0 ? (
                <Tag color="green">{t('etcd.farm.ok')}</Tag>
              ) : (
                <Tooltip title={<ProblemList problems={r.problems} />}>
                  <Tag color="red" data-testid="etcd-farm-problems">
                    {t('etcd.farm.problemCount', { count: r.problems.length })}
                  </Tag>
                </Tooltip>
              ),
          },
          {
            title: t('etcd.farm.key'),
            key: 'key',
            width: 300,
            render: (_, r) => (
              <Typography.Link
                className="drover-mono"
                onClick={(e) => {
                  e.stopPropagation();
                  onOpenKey(r.entry.key);
                }}
              >
                {r.entry.keyDisplay}
              </Typography.Link>
            ),
          },
          { title: t('etcd.editor.modRevision'), key: 'mod', width: 110, render: (_, r) => <span className="drover-mono">{r.entry.modRevision}</span> },
        ]}
      />
      {table?.more && (
        <Button onClick={() => void store.getState().loadFarm(kind, true)} loading={table.loading} style={{ marginTop: 8 }}>
          {t('etcd.farm.more')}
        </Button>
      )}
      {kind === 'worker' && <MergedPreview />}
      <EnvEditor kind={kind} target={edit} onClose={() => setEdit(null)} />
    </div>
  );
}

function ProblemList({ problems }: { problems: readonly { line: number; message: string }[] }) {
  const { t } = useTranslation();
  return (
    <div className="drover-etcd-problems" data-testid="etcd-env-problems">
      {problems.map((p, i) => (
        <div key={i}>
          {p.line > 0 ? <b>{t('etcd.farm.line', { line: p.line })}: </b> : null}
          {p.message}
        </div>
      ))}
    </div>
  );
}

function EnvEditor({ kind, target, onClose }: { kind: FarmTableKind; target: EditTarget | null; onClose(): void }) {
  const { t } = useTranslation();
  const isNew = target?.modRevision === 0;
  return (
    <Modal
      open={target !== null}
      onCancel={onClose}
      width={760}
      destroyOnHidden
      footer={null}
      title={isNew ? (kind === 'worker' ? t('etcd.farm.addWorker') : t('etcd.farm.addDatacenter')) : t('etcd.farm.editTitle', { id: target?.id ?? '' })}
    >
      {target && <EnvEditorBody key={`${target.id}@${target.modRevision}`} kind={kind} target={target} onClose={onClose} />}
    </Modal>
  );
}

function EnvEditorBody({ kind, target, onClose }: { kind: FarmTableKind; target: EditTarget; onClose(): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const [id, setId] = useState(target.id);
  const [text, setText] = useState(target.text);
  const [check, setCheck] = useState<EnvCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [conflict, setConflict] = useState<ConflictInfo | null>(null);
  const [base, setBase] = useState(target.modRevision);
  const seq = useRef(0);

  useEffect(() => {
    const n = ++seq.current;
    const timer = setTimeout(() => {
      store
        .getState()
        .checkEnv(kind, id, text)
        .then(
          (c) => n === seq.current && setCheck(c),
          () => undefined,
        );
    }, 250);
    return () => clearTimeout(timer);
  }, [id, text, kind, store]);

  const save = async (expected: number) => {
    setBusy(true);
    setError(null);
    try {
      const r = await store.getState().saveEnv(kind, id, text, expected);
      if (r.ok) onClose();
      else setConflict(r.conflict);
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setBusy(false);
    }
  };
  const theirs = conflict?.current ? (decodeUtf8(b64ToBytes(conflict.current.value)) ?? '') : '';
  const isNew = target.modRevision === 0;
  const footer = (
        <DialogFooter>
          <Button onClick={onClose}>{t('etcd.common.cancel')}</Button>
          {conflict && (
            <Button
              onClick={() => {
                setText(theirs);
                setBase(conflict.current?.modRevision ?? 0);
                setConflict(null);
              }}
              data-testid="etcd-env-take-theirs"
            >
              {t('etcd.conflict.takeTheirs')}
            </Button>
          )}
          {conflict && (
            <Button danger onClick={() => void save(conflict.current?.modRevision ?? 0)} data-testid="etcd-env-write-mine">
              {t('etcd.conflict.writeMine')}
            </Button>
          )}
          {!conflict && (
            <Button type="primary" loading={busy} disabled={(check?.problems.length ?? 1) > 0} onClick={() => void save(base)} data-testid="etcd-env-save">
              {t('etcd.farm.save')}
            </Button>
          )}
        </DialogFooter>
  );
  return (
      <Flex vertical gap={10} data-testid="etcd-env-editor">
        <div>
          <Typography.Text strong>{kind === 'worker' ? t('etcd.farm.mac') : t('etcd.farm.uuid')}</Typography.Text>
          <Input className="drover-mono" value={id} disabled={!isNew} onChange={(e) => setId(e.target.value)} placeholder={kind === 'worker' ? '52:54:00:a1:9c:ae' : 'e86bf73f-f2bf-4143-b939-fb8de272bb78'} data-testid="etcd-env-id" spellCheck={false} />
          {check?.keyDisplay && (
            <Typography.Text type="secondary" data-testid="etcd-env-key">
              {t('etcd.farm.writesTo')} <span className="drover-mono">{check.keyDisplay}</span>
              {check.normalized && check.normalized !== id.trim() ? ` · ${t('etcd.farm.normalized', { id: check.normalized })}` : ''}
            </Typography.Text>
          )}
        </div>
        <Input.TextArea className="drover-mono" rows={12} value={text} onChange={(e) => setText(e.target.value)} placeholder="POOL=eu1.example.org:4444&#10;WALLET=…" data-testid="etcd-env-text" spellCheck={false} data-shortcuts="off" />
        {check && check.problems.length > 0 && <Alert type="error" showIcon title={t('etcd.farm.invalid')} description={<ProblemList problems={check.problems} />} />}
        {check && check.problems.length === 0 && <Typography.Text type="secondary">{t('etcd.farm.valid', { count: check.env.length })}</Typography.Text>}
        {error && <Alert type="error" showIcon title={t('etcd.farm.saveFailed')} description={<ErrorDetails error={error} action="saveEtcdEnv" />} />}
        {conflict && (
          <>
            <Alert type="warning" showIcon title={conflict.current ? t('etcd.conflict.changed', { expected: conflict.expectedModRevision, revision: conflict.current.modRevision, version: conflict.current.version }) : t('etcd.conflict.deleted', { expected: conflict.expectedModRevision })} description={t('etcd.conflict.nothingWritten')} />
            <DiffView oldText={theirs} newText={text} oldLabel={t('etcd.conflict.theirs', { revision: conflict.current?.modRevision ?? 0 })} newLabel={t('etcd.conflict.mine')} />
          </>
        )}
        {footer}
      </Flex>
  );
}

/** What netboot's get-initial-config serves a worker: its datacenter's config with its own env on top. */
function MergedPreview() {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const [uuid, setUuid] = useState('');
  const [mac, setMac] = useState('');
  const [result, setResult] = useState<MergedEnv | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const run = async () => {
    setError(null);
    try {
      setResult(await store.getState().mergedEnv(uuid, mac));
    } catch (err) {
      setResult(null);
      setError(AppError.from(err));
    }
  };
  return (
    <div className="drover-etcd-merged" data-testid="etcd-merged">
      <Typography.Title level={5}>{t('etcd.farm.mergedTitle')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('etcd.farm.mergedIntro')}</Typography.Paragraph>
      <Flex gap={8} wrap>
        <Input className="drover-mono" style={{ width: 340 }} value={uuid} onChange={(e) => setUuid(e.target.value)} placeholder={t('etcd.farm.uuid')} data-testid="etcd-merged-uuid" />
        <Input className="drover-mono" style={{ width: 220 }} value={mac} onChange={(e) => setMac(e.target.value)} placeholder={t('etcd.farm.mac')} data-testid="etcd-merged-mac" />
        <Button onClick={() => void run()} disabled={!uuid || !mac} data-testid="etcd-merged-run">
          {t('etcd.farm.mergedRun')}
        </Button>
      </Flex>
      {error && <Alert type="error" showIcon title={t('etcd.farm.mergedFailed')} description={<ErrorDetails error={error} action="readEtcdFarm" />} />}
      {result && (
        <Flex vertical gap={6} style={{ marginTop: 8 }}>
          <Typography.Text type="secondary">
            <span className="drover-mono">{result.dcKey}</span> {result.found.datacenter ? '✓' : `(${t('etcd.farm.missing')})`} + <span className="drover-mono">{result.workerKey}</span>{' '}
            {result.found.worker ? '✓' : `(${t('etcd.farm.missing')})`}
          </Typography.Text>
          {result.problems.length > 0 && <ProblemList problems={result.problems.map((p) => ({ line: p.problem.line, message: `${t(`etcd.farm.source.${p.source}`)}: ${p.problem.message}` }))} />}
          <pre className="drover-mono drover-etcd-pre" data-testid="etcd-merged-text">
            {result.text}
          </pre>
        </Flex>
      )}
    </div>
  );
}
