import { Alert, Button, Descriptions, Flex, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useFeatureStore } from '../../stores/stores';
import { DiffView } from './diff-view';
import { etcdStoreKey, useEtcdStore } from './etcd-hooks';

/**
 * A write lost its compare-and-swap: someone changed (or deleted, or created) the key since the
 * user loaded it. Both sides are shown with a line diff; nothing is written until the user picks.
 */
export function ConflictDialog() {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const conflict = useEtcdStore((s) => s.editor?.conflict ?? null);
  const keyDisplay = useEtcdStore((s) => s.editor?.keyDisplay ?? '');
  const saving = useEtcdStore((s) => s.editor?.saving ?? false);
  if (!conflict) return null;
  const cur = conflict.info.current;
  const resolve = (choice: 'take-theirs' | 'write-mine' | 'cancel') => void store.getState().resolveConflict(choice);
  const mineLabel = conflict.op === 'delete' ? t('etcd.conflict.mineDelete') : conflict.op === 'restore' ? t('etcd.conflict.mineRestore', { revision: conflict.revision ?? 0 }) : t('etcd.conflict.mine');
  const writeLabel =
    conflict.op === 'delete'
      ? t('etcd.conflict.deleteAnyway')
      : !cur
        ? t('etcd.conflict.createAgain')
        : conflict.op === 'restore'
          ? t('etcd.conflict.restoreAnyway')
          : t('etcd.conflict.writeMine');
  return (
    <Modal
      open
      width={920}
      onCancel={() => resolve('cancel')}
      title={t('etcd.conflict.title', { key: keyDisplay })}
      footer={
        <Flex gap={8} justify="flex-end" wrap>
          <Button onClick={() => resolve('cancel')} data-testid="etcd-conflict-cancel">
            {t('etcd.conflict.keepEditing')}
          </Button>
          <Button onClick={() => resolve('take-theirs')} data-testid="etcd-conflict-theirs">
            {cur ? t('etcd.conflict.takeTheirs') : t('etcd.conflict.discardMine')}
          </Button>
          {!(conflict.op === 'delete' && !cur) && (
            <Button danger type="primary" loading={saving} onClick={() => resolve('write-mine')} data-testid="etcd-conflict-mine">
              {writeLabel}
            </Button>
          )}
        </Flex>
      }
    >
      <div data-testid="etcd-conflict">
        <Alert
          type="warning"
          showIcon
          title={
            cur
              ? conflict.info.expectedModRevision === 0
                ? t('etcd.conflict.existsNow', { revision: cur.modRevision })
                : t('etcd.conflict.changed', { expected: conflict.info.expectedModRevision, revision: cur.modRevision, version: cur.version })
              : t('etcd.conflict.deleted', { expected: conflict.info.expectedModRevision })
          }
          description={t('etcd.conflict.nothingWritten')}
        />
        {cur && (
          <Descriptions
            size="small"
            column={4}
            className="drover-etcd-conflict-meta"
            items={[
              { key: 'mod', label: t('etcd.editor.modRevision'), children: <span className="drover-mono">{cur.modRevision}</span> },
              { key: 'ver', label: t('etcd.editor.version'), children: <span className="drover-mono">{cur.version}</span> },
              { key: 'size', label: t('etcd.editor.size'), children: `${cur.valueSize ?? 0} B` },
              { key: 'lease', label: t('etcd.editor.lease'), children: cur.lease === '0' ? t('etcd.editor.noLease') : cur.lease },
            ]}
          />
        )}
        {conflict.theirs !== null ? (
          <DiffView oldText={conflict.theirs} newText={conflict.mine} oldLabel={t('etcd.conflict.theirs', { revision: cur?.modRevision ?? 0 })} newLabel={mineLabel} testId="etcd-conflict-diff" />
        ) : (
          <Typography.Paragraph type="secondary">{t('etcd.conflict.noCurrent')}</Typography.Paragraph>
        )}
      </div>
    </Modal>
  );
}
