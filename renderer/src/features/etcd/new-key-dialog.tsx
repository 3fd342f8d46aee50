import { Alert, Button, Checkbox, Flex, Input, Modal, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { DialogFooter } from './dialog-footer';
import { useTranslation } from 'react-i18next';
import { useFeatureStore } from '../../stores/stores';
import { etcdStoreKey } from './etcd-hooks';
import type { EditMode } from './etcd-store';

/** Creating a key: refused (with the existing key) when it already exists; JSON checked when asked. */
export function NewKeyDialog({ open, initialKey, onClose }: { open: boolean; initialKey: string; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} width={720} destroyOnHidden title={t('etcd.newKey.title')} footer={null}>
      {open && <NewKeyBody initialKey={initialKey} onClose={onClose} />}
    </Modal>
  );
}

function NewKeyBody({ initialKey, onClose }: { initialKey: string; onClose(): void }) {
  const { t } = useTranslation();
  const store = useFeatureStore(etcdStoreKey);
  const [key, setKey] = useState(initialKey);
  const [value, setValue] = useState('');
  const [mode, setMode] = useState<EditMode>('text');
  const [json, setJson] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [exists, setExists] = useState<string | null>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    setExists(null);
    const r = await store.getState().createKey(key, value, mode, json);
    setBusy(false);
    if (r.ok) onClose();
    else if ('exists' in r) setExists(r.key);
    else setError(r.error === 'empty' ? t('etcd.newKey.empty') : r.error);
  };

  return (
    <>
      <Flex vertical gap={10} data-testid="etcd-new-key">
        <div>
          <Typography.Text strong>{t('etcd.newKey.key')}</Typography.Text>
          <Input className="drover-mono" value={key} onChange={(e) => setKey(e.target.value)} data-testid="etcd-new-key-key" spellCheck={false} autoFocus />
          <Typography.Text type="secondary">{t('etcd.newKey.keyHint')}</Typography.Text>
        </div>
        <Flex gap={12} align="center">
          <Segmented<EditMode>
            size="small"
            value={mode}
            onChange={(m) => {
              setMode(m);
              if (m !== 'text') setJson(false);
            }}
            options={(['text', 'escaped', 'hex'] as EditMode[]).map((m) => ({ value: m, label: t(`etcd.mode.${m}`) }))}
          />
          <Checkbox checked={json} disabled={mode !== 'text'} onChange={(e) => setJson(e.target.checked)} data-testid="etcd-new-key-json">
            {t('etcd.newKey.requireJson')}
          </Checkbox>
        </Flex>
        <Input.TextArea className="drover-mono" rows={10} value={value} onChange={(e) => setValue(e.target.value)} data-testid="etcd-new-key-value" spellCheck={false} data-shortcuts="off" />
        {error && <Alert type="error" showIcon title={t('etcd.newKey.failed')} description={<span className="drover-mono">{error}</span>} data-testid="etcd-new-key-error" />}
        {exists && (
          <Alert
            type="warning"
            showIcon
            data-testid="etcd-new-key-exists"
            title={t('etcd.newKey.exists')}
            action={
              <Button
                size="small"
                onClick={() => {
                  onClose();
                  store.getState().openKey(exists);
                }}
              >
                {t('etcd.newKey.open')}
              </Button>
            }
          />
        )}
      </Flex>
      <DialogFooter>
        <Button onClick={onClose}>{t('etcd.common.cancel')}</Button>
        <Button type="primary" loading={busy} disabled={key === ''} onClick={() => void run()} data-testid="etcd-new-key-create">
          {t('etcd.newKey.create')}
        </Button>
      </DialogFooter>
    </>
  );
}
