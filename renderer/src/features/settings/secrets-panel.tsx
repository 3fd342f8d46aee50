import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
import type { SecretStatus } from '@contract/secrets';
import { Button, Card, Descriptions, Flex, Form, Input, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { selectSecretsBusy, selectSecretsSnapshot, selectUnlockError } from '../../stores/secrets-store';
import { useSecretsStore } from '../../stores/stores';

/** A new vault's passphrase protects every stored password: ask for a reasonable one. */
const MIN_NEW_PASSPHRASE = 8;

/** The secret store's state, and unlock / create / lock for the web host's vault. Never values. */
export function SecretsPanel() {
  const { t } = useTranslation();
  const snapshot = useSecretsStore(selectSecretsSnapshot);

  return (
    <Card title={t('secrets.title')} size="small" data-testid="secrets-panel">
      <Typography.Paragraph type="secondary">{t('secrets.intro')}</Typography.Paragraph>
      {!snapshot ? (
        <Typography.Text type="secondary">{t('about.notLoaded')}</Typography.Text>
      ) : (
        <>
          <SecretsStatus status={snapshot.status} count={snapshot.entries?.length} />
          {snapshot.status.backend === 'vault' && (snapshot.status.locked ? <UnlockForm create={!snapshot.status.vaultExists} /> : <LockButton />)}
          {snapshot.entries && snapshot.entries.length > 0 && (
            <div className="drover-secret-names" data-testid="secret-names">
              <Typography.Text type="secondary">{t('secrets.names')}: </Typography.Text>
              {snapshot.entries.map((e) => (
                <Tag key={e.id} className="drover-mono" title={e.label}>
                  {e.id}
                </Tag>
              ))}
            </div>
          )}
        </>
      )}
    </Card>
  );
}

function SecretsStatus({ status, count }: { status: SecretStatus; count: number | undefined }) {
  const { t } = useTranslation();
  const state = status.locked
    ? status.vaultExists
      ? { text: t('secrets.state.locked'), color: 'warning' }
      : { text: t('secrets.state.uninitialized'), color: 'default' }
    : { text: status.backend === 'vault' ? t('secrets.state.unlocked') : t('secrets.state.open'), color: 'success' };
  const items = [
    { key: 'backend', label: t('secrets.backend'), children: t(`secrets.backends.${status.backend}`) },
    {
      key: 'state',
      label: t('secrets.status'),
      children: (
        <Flex gap={8} align="center" wrap>
          <Tag color={state.color} data-testid="secrets-state" data-locked={String(status.locked)}>
            {state.text}
          </Tag>
          <Typography.Text type={status.persistent ? 'secondary' : 'warning'}>
            {status.persistent ? t('secrets.persistent') : t('secrets.notPersistent')}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'count',
      label: t('secrets.count'),
      children: count === undefined ? <Typography.Text type="secondary">{t('secrets.lockedList')}</Typography.Text> : count === 0 ? t('secrets.none') : <span className="drover-mono">{count}</span>,
    },
  ];
  if (status.reason) items.push({ key: 'reason', label: t('secrets.reason'), children: status.reason });
  return <Descriptions size="small" bordered column={1} items={items} style={{ marginBottom: 12 }} />;
}

function UnlockForm({ create }: { create: boolean }) {
  const { t } = useTranslation();
  const busy = useSecretsStore(selectSecretsBusy);
  const unlockError = useSecretsStore(selectUnlockError);
  const unlock = useSecretsStore((s) => s.unlock);
  const clearUnlockError = useSecretsStore((s) => s.clearUnlockError);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');

  let problem: string | undefined;
  if (create && passphrase.length > 0 && passphrase.length < MIN_NEW_PASSPHRASE) problem = t('secrets.tooShort', { min: MIN_NEW_PASSPHRASE });
  else if (create && confirm.length > 0 && confirm !== passphrase) problem = t('secrets.mismatch');
  const ready = passphrase.length > 0 && !problem && (!create || (confirm === passphrase && passphrase.length >= MIN_NEW_PASSPHRASE));

  const submit = async () => {
    if (!ready) return;
    if (await unlock(passphrase)) {
      setPassphrase('');
      setConfirm('');
    }
  };

  return (
    <Form layout="vertical" onFinish={() => void submit()} data-testid="secrets-unlock-form" autoComplete="off">
      {create && <Typography.Paragraph>{t('secrets.createHint')}</Typography.Paragraph>}
      {/* For password managers and accessibility: which account this passphrase belongs to. */}
      <input type="text" name="username" autoComplete="username" value="drover-vault" readOnly hidden />
      <Form.Item
        label={t('secrets.passphrase')}
        validateStatus={unlockError || (problem && !create) ? 'error' : undefined}
        help={unlockError ? t('secrets.wrongPassphrase') : undefined}
        style={{ marginBottom: 8 }}
      >
        <Input.Password
          value={passphrase}
          onChange={(e) => {
            setPassphrase(e.target.value);
            if (unlockError) clearUnlockError();
          }}
          placeholder={t('secrets.passphrasePlaceholder')}
          autoComplete={create ? 'new-password' : 'current-password'}
          data-testid="secrets-passphrase"
        />
      </Form.Item>
      {create && (
        <Form.Item label={t('secrets.passphraseConfirm')} validateStatus={problem ? 'error' : undefined} help={problem} style={{ marginBottom: 8 }}>
          <Input.Password value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" data-testid="secrets-passphrase-confirm" />
        </Form.Item>
      )}
      <Button type="primary" htmlType="submit" icon={<UnlockOutlined aria-hidden />} disabled={!ready} loading={busy === 'unlock'} data-testid="secrets-unlock">
        {create ? t('secrets.create') : t('secrets.unlock')}
      </Button>
    </Form>
  );
}

function LockButton() {
  const { t } = useTranslation();
  const busy = useSecretsStore(selectSecretsBusy);
  const lock = useSecretsStore((s) => s.lock);
  return (
    <Button icon={<LockOutlined aria-hidden />} onClick={() => void lock()} loading={busy === 'lock'} data-testid="secrets-lock">
      {t('secrets.lock')}
    </Button>
  );
}
