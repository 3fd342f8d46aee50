import { CopyOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import type { HostKeyPrompt } from '@contract/ssh';
import { Alert, Button, Descriptions, Flex, Modal, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { selectAnswering, selectDeferredPrompts, selectHostKeyPrompts } from '../stores/ssh-store';
import { useSshStore } from '../stores/stores';
import { useTunnelsStore } from '../features/tunnels/tunnels-hooks';
import { useNow } from './use-now';
import './host-key-dialog.css';

/** The host key file on the server whose fingerprint to compare, by key type. */
export function hostKeyFile(keyType: string): string {
  const k = keyType.toLowerCase();
  const kind = k.includes('ed25519') ? 'ed25519' : k.includes('ecdsa') ? 'ecdsa' : k.includes('rsa') ? 'rsa' : k.includes('dss') ? 'dsa' : '*';
  return `/etc/ssh/ssh_host_${kind}_key.pub`;
}

function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Unknown host keys, for every feature that opens SSH connections (tunnels and terminals): mounted
 * once in the shell. Shows host, port, key type and the SHA256 fingerprint with how to check it on
 * the server, and Trust / Refuse with the time left. "Decide later" sets it aside behind a
 * reminder in the corner; unanswered keys are refused when they expire.
 */
export function HostKeyDialog() {
  const prompts = useSshStore(selectHostKeyPrompts);
  const deferred = useSshStore(selectDeferredPrompts);
  const visible = prompts.filter((p) => !deferred.includes(p.id));
  const waiting = prompts.filter((p) => deferred.includes(p.id));
  const current = visible[0];
  return (
    <>
      <Modal
        open={current !== undefined}
        footer={null}
        closable={false}
        maskClosable={false}
        keyboard={false}
        width={620}
        destroyOnHidden
        title={<HostKeyTitle />}
      >
        {current && <HostKeyBody key={current.id} prompt={current} position={1} total={visible.length} />}
      </Modal>
      {waiting.length > 0 && current === undefined && <DeferredReminder prompts={waiting} />}
    </>
  );
}

function HostKeyTitle() {
  const { t } = useTranslation();
  return (
    <Flex align="center" gap={8}>
      <SafetyCertificateOutlined className="drover-hostkey-icon" />
      {t('hostKey.title')}
    </Flex>
  );
}

function HostKeyBody({ prompt, position, total }: { prompt: HostKeyPrompt; position: number; total: number }) {
  const { t } = useTranslation();
  const answering = useSshStore(selectAnswering);
  const answer = useSshStore((s) => s.answer);
  const defer = useSshStore((s) => s.defer);
  const profiles = useTunnelsStore((s) => s.profiles);
  const now = useNow(500, true);
  const [copied, setCopied] = useState(false);
  const leftMs = prompt.expiresAtMs - now;
  const expired = leftMs <= 0;
  const where = `${prompt.host}:${prompt.port}`;
  const usedBy = Object.values(profiles)
    .filter((p) => [...p.jumps, p.target].some((h) => h.host === prompt.host && h.port === prompt.port))
    .map((p) => p.name);
  const command = `ssh-keygen -lf ${hostKeyFile(prompt.keyType)}`;

  // Esc sets it aside (it stays pending); Trust needs a deliberate click.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) defer(prompt.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [defer, prompt.id]);

  const copy = () => {
    void navigator.clipboard?.writeText(prompt.fingerprintSha256).then(
      () => setCopied(true),
      () => undefined,
    );
  };

  return (
    <div data-testid="hostkey-dialog" data-prompt-id={prompt.id}>
      <Typography.Paragraph>{t('hostKey.intro', { host: where })}</Typography.Paragraph>
      <Descriptions
        size="small"
        bordered
        column={1}
        styles={{ label: { width: 130, whiteSpace: 'nowrap' } }}
        items={[
          { key: 'host', label: t('hostKey.host'), children: <span className="drover-mono" data-testid="hostkey-host">{prompt.host}</span> },
          { key: 'port', label: t('hostKey.port'), children: <span className="drover-mono" data-testid="hostkey-port">{prompt.port}</span> },
          { key: 'type', label: t('hostKey.keyType'), children: <span className="drover-mono" data-testid="hostkey-type">{prompt.keyType}</span> },
          ...(usedBy.length ? [{ key: 'used', label: t('hostKey.usedBy'), children: usedBy.join(', ') }] : []),
        ]}
      />
      <div className="drover-hostkey-fp-label">{t('hostKey.fingerprint')}</div>
      <Flex align="center" gap={8} className="drover-hostkey-fp">
        <span className="drover-hostkey-fp-value" data-testid="hostkey-fingerprint">
          {prompt.fingerprintSha256}
        </span>
        <Tooltip title={copied ? t('hostKey.copied') : t('hostKey.copy')}>
          <Button type="text" size="small" icon={<CopyOutlined aria-hidden />} onClick={copy} aria-label={t('hostKey.copy')} />
        </Tooltip>
      </Flex>
      <Alert
        type="info"
        className="drover-hostkey-verify"
        title={t('hostKey.verifyTitle')}
        description={
          <>
            <div>{t('hostKey.verifyStep')}</div>
            <Typography.Text code copyable className="drover-mono" data-testid="hostkey-command">
              {command}
            </Typography.Text>
            <div>{t('hostKey.verifyCompare')}</div>
          </>
        }
      />
      <Typography.Text type={expired || leftMs < 20_000 ? 'danger' : 'secondary'} className="drover-hostkey-expiry" data-testid="hostkey-expiry">
        {expired ? t('hostKey.expired') : t('hostKey.expiresIn', { time: formatCountdown(leftMs) })}
        {total > 1 && <span> · {t('hostKey.queue', { position, total })}</span>}
      </Typography.Text>
      <Flex justify="flex-end" align="center" gap={8} wrap className="drover-hostkey-footer">
        <Button onClick={() => defer(prompt.id)} data-testid="hostkey-later">
          {t('hostKey.later')}
        </Button>
        <div style={{ flex: 1 }} />
        <Button danger loading={answering === prompt.id} disabled={answering !== null} onClick={() => void answer(prompt.id, false)} data-testid="hostkey-refuse">
          {t('hostKey.refuse')}
        </Button>
        <Button
          type="primary"
          icon={<SafetyCertificateOutlined aria-hidden />}
          loading={answering === prompt.id}
          disabled={expired || answering !== null}
          onClick={() => void answer(prompt.id, true)}
          data-testid="hostkey-trust"
        >
          {t('hostKey.trust')}
        </Button>
      </Flex>
    </div>
  );
}

/** Keys set aside: a reminder in the corner with the time left, one click to decide. */
function DeferredReminder({ prompts }: { prompts: readonly HostKeyPrompt[] }) {
  const { t } = useTranslation();
  const reopen = useSshStore((s) => s.reopen);
  const now = useNow(1000, true);
  const first = prompts[0]!;
  return (
    <button type="button" className="drover-hostkey-reminder" onClick={() => reopen()} data-testid="hostkey-reminder">
      <SafetyCertificateOutlined />
      <span>{t('hostKey.reminder', { count: prompts.length, host: `${first.host}:${first.port}` })}</span>
      <span className="drover-mono">{formatCountdown(first.expiresAtMs - now)}</span>
    </button>
  );
}
