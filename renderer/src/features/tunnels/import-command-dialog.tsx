import { EditOutlined, ImportOutlined, WarningOutlined } from '@ant-design/icons';
import { AppError } from '@contract/errors';
import type { ImportResult, TunnelProfile } from '@contract/tunnels';
import { Alert, Button, Checkbox, Descriptions, Empty, Flex, Input, Modal, Spin, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useTunnelsStore } from './tunnels-hooks';
import { isLoopbackAddress } from '@contract/net-address';
import { forwardLabel } from '@contract/tunnels';
import { hopLabel } from '@contract/ssh';
import { newProfileId } from './format';
import { profileToValues, type TunnelFormInit } from './tunnel-form';

const PREVIEW_DELAY_MS = 350;

/**
 * Paste an autossh / ssh command line; the service parses it (tunnels.importCommand) and the
 * dialog shows exactly the profile that will be created and every warning. Forwards that would
 * listen on a LAN address must be ticked before it saves.
 */
export function ImportCommandDialog({ open, onClose, onSaved, onEdit }: ImportDialogProps & { open: boolean }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} width={860} destroyOnHidden footer={null} title={t('tunnels.import.title')}>
      <ImportCommandBody onClose={onClose} onSaved={onSaved} onEdit={onEdit} />
    </Modal>
  );
}

interface ImportDialogProps {
  onClose(): void;
  onSaved(id: string): void;
  onEdit(init: TunnelFormInit): void;
}

/** Lives only while the dialog is open: every opening starts blank. */
function ImportCommandBody({ onClose, onSaved, onEdit }: ImportDialogProps) {
  const { t } = useTranslation();
  const importCommand = useTunnelsStore((s) => s.importCommand);
  const save = useTunnelsStore((s) => s.save);
  const [text, setText] = useState('');
  const [result, setResult] = useState<ImportResult | null>(null);
  const [parseError, setParseError] = useState<AppError | null>(null);
  const [parsing, setParsing] = useState(false);
  const [name, setName] = useState('');
  const [lan, setLan] = useState<Record<string, boolean>>({});
  const [autostart, setAutostart] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const seq = useRef(0);

  useEffect(
    () => () => {
      seq.current++; // answers arriving after the dialog closed are dropped
    },
    [],
  );

  const parse = async (value: string) => {
    const mine = ++seq.current;
    if (!value.trim()) {
      setResult(null);
      setParseError(null);
      setParsing(false);
      return;
    }
    setParsing(true);
    try {
      const r = await importCommand(value);
      if (mine !== seq.current) return;
      setResult(r);
      setParseError(null);
      setName(r.profile.name);
      setLan({});
      setAutostart(r.profile.autostart);
      setSaveError(null);
    } catch (err) {
      if (mine !== seq.current) return;
      setResult(null);
      setParseError(AppError.from(err));
    } finally {
      if (mine === seq.current) setParsing(false);
    }
  };

  // A preview shortly after typing or pasting stops.
  useEffect(() => {
    const timer = setTimeout(() => void parse(text), PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- parse is recreated each render; text drives it
  }, [text]);

  const lanForwards = result ? result.profile.forwards.filter((f) => f.kind !== 'remote' && !isLoopbackAddress(f.bindAddress)) : [];
  const lanMissing = lanForwards.filter((f) => !lan[f.id]);
  const fresh = !parsing && result !== null;

  const finalProfile = (): TunnelProfile | null => {
    if (!result) return null;
    const n = name.trim() || result.profile.name;
    return {
      ...result.profile,
      id: n === result.profile.name ? result.profile.id : newProfileId(n),
      name: n,
      autostart,
      forwards: result.profile.forwards.map((f) => (lan[f.id] ? { ...f, allowLan: true } : f)),
    };
  };

  const submit = async () => {
    const profile = finalProfile();
    if (!profile || lanMissing.length > 0 || !fresh) return;
    setSaving(true);
    const r = await save(profile);
    setSaving(false);
    if (r.ok) {
      onSaved(r.profile.id);
      onClose();
    } else setSaveError(r.error);
  };

  const edit = () => {
    const profile = finalProfile();
    if (!profile) return;
    onEdit({ mode: 'create', base: profile, values: profileToValues(profile) });
    onClose();
  };

  return (
    <>
      <div data-testid="import-dialog">
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
          {t('tunnels.import.intro')}
        </Typography.Paragraph>
        <Input.TextArea
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
          autoSize={{ minRows: 3, maxRows: 8 }}
          placeholder="autossh -M 0 -N -o ServerAliveInterval=10 -L 127.0.0.1:9092:10.0.0.5:9092 -J ops@bastion root@rig-17"
          className="drover-mono drover-import-text"
          spellCheck={false}
          autoFocus
          data-testid="import-text"
        />
        <div className="drover-import-preview" data-testid="import-preview-area">
          {parsing && (
            <Flex align="center" gap={8} className="drover-import-status">
              <Spin size="small" /> <Typography.Text type="secondary">{t('tunnels.import.parsing')}</Typography.Text>
            </Flex>
          )}
          {!parsing && parseError && (
            <Alert
              type="error"
              showIcon
              title={t('tunnels.import.cannotParse')}
              description={
                <>
                  <Offending text={text} error={parseError} />
                  <ErrorDetails error={parseError} />
                </>
              }
              data-testid="import-error"
            />
          )}
          {!parsing && !parseError && !result && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('tunnels.import.empty')} style={{ margin: '12px 0' }} />}
          {result && !parseError && (
            <Preview
              result={result}
              name={name}
              onName={setName}
              lan={lan}
              onLan={(id, on) => setLan((s) => ({ ...s, [id]: on }))}
              autostart={autostart}
              onAutostart={setAutostart}
              stale={parsing}
            />
          )}
          {saveError && (
            <Alert
              type="error"
              showIcon
              style={{ marginTop: 12 }}
              title={t(`errors.${saveError.code}.title`)}
              description={<ErrorDetails error={saveError} action="saveTunnel" />}
              data-testid="import-save-error"
            />
          )}
        </div>
      </div>
      <div className="drover-modal-footer">
        <Flex justify="space-between" align="center" gap={8} wrap>
          <Typography.Text type={lanMissing.length ? 'warning' : 'secondary'} data-testid="import-save-state">
            {result && lanMissing.length > 0 ? t('tunnels.import.lanMissing', { count: lanMissing.length }) : ''}
          </Typography.Text>
          <Flex gap={8}>
            <Button onClick={onClose}>{t('tunnels.form.cancel')}</Button>
            <Button icon={<EditOutlined aria-hidden />} disabled={!fresh} onClick={edit} data-testid="import-edit">
              {t('tunnels.import.edit')}
            </Button>
            <Button type="primary" icon={<ImportOutlined aria-hidden />} disabled={!fresh || lanMissing.length > 0} loading={saving} onClick={() => void submit()} data-testid="import-save">
              {t('tunnels.import.save')}
            </Button>
          </Flex>
        </Flex>
      </div>
    </>
  );
}

function Preview({
  result,
  name,
  onName,
  lan,
  onLan,
  autostart,
  onAutostart,
  stale,
}: {
  result: ImportResult;
  name: string;
  onName(v: string): void;
  lan: Record<string, boolean>;
  onLan(id: string, on: boolean): void;
  autostart: boolean;
  onAutostart(v: boolean): void;
  stale: boolean;
}) {
  const { t } = useTranslation();
  const p = result.profile;
  const mono = (v: string, testId?: string) => (
    <span className="drover-mono" data-testid={testId}>
      {v}
    </span>
  );
  return (
    <div className={`drover-import-result${stale ? ' drover-stale' : ''}`} data-testid="import-preview">
      <Descriptions
        size="small"
        bordered
        column={1}
        styles={{ label: { width: 170, whiteSpace: 'nowrap' } }}
        items={[
          {
            key: 'name',
            label: t('tunnels.form.name'),
            children: <Input value={name} onChange={(e) => onName(e.target.value)} maxLength={128} data-testid="import-name" style={{ maxWidth: 360 }} />,
          },
          {
            key: 'target',
            label: t('tunnels.form.target'),
            children: (
              <div>
                {mono(hopLabel(p.target), 'import-target')}
                {p.target.identityFiles?.length ? (
                  <div>
                    <Typography.Text type="secondary">{t('tunnels.form.identityFiles')}: </Typography.Text>
                    {mono(p.target.identityFiles.join(', '), 'import-identity')}
                  </div>
                ) : null}
              </div>
            ),
          },
          {
            key: 'jumps',
            label: t('tunnels.form.jumps'),
            children:
              p.jumps.length === 0 ? (
                <Typography.Text type="secondary">{t('tunnels.import.noJumps')}</Typography.Text>
              ) : (
                <ol className="drover-import-list" data-testid="import-jumps">
                  {p.jumps.map((j, i) => (
                    <li key={i}>{mono(hopLabel(j))}</li>
                  ))}
                </ol>
              ),
          },
          {
            key: 'forwards',
            label: t('tunnels.import.forwardsCount', { count: p.forwards.length }),
            children: (
              <ul className="drover-import-list" data-testid="import-forwards">
                {p.forwards.map((f) => {
                  const exposes = f.kind !== 'remote' && !isLoopbackAddress(f.bindAddress);
                  return (
                    <li key={f.id} data-testid="import-forward" data-forward-id={f.id} data-exposes-lan={exposes}>
                      {mono(forwardLabel(f))}
                      {exposes && (
                        <div className="drover-import-lan">
                          <Checkbox checked={!!lan[f.id]} onChange={(e) => onLan(f.id, e.target.checked)} data-testid="import-forward-lan">
                            <WarningOutlined className="drover-lan-icon" /> {t('tunnels.form.exposeLan', { address: f.bindAddress })}
                          </Checkbox>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ul>
            ),
          },
          {
            key: 'keepalive',
            label: t('tunnels.import.keepalive'),
            children: (
              <span data-testid="import-keepalive" data-interval={p.keepalive.intervalSec} data-count={p.keepalive.countMax}>
                {t('tunnels.import.keepaliveValue', { interval: p.keepalive.intervalSec, count: p.keepalive.countMax, dead: p.keepalive.intervalSec * p.keepalive.countMax })}
              </span>
            ),
          },
          {
            key: 'exit',
            label: t('tunnels.form.exitOnForwardFailure'),
            children: (
              <span data-testid="import-exit-on-failure" data-value={p.exitOnForwardFailure}>
                {p.exitOnForwardFailure ? t('tunnels.import.exitYes') : t('tunnels.import.exitNo')}
              </span>
            ),
          },
          {
            key: 'policy',
            label: t('tunnels.form.unknownHostKey'),
            children: (
              <span data-testid="import-policy" data-value={p.unknownHostKey}>
                <Typography.Text strong>{t(`tunnels.policy.${p.unknownHostKey}`)}</Typography.Text>
                <Typography.Text type="secondary"> — {t(`tunnels.policyHelp.${p.unknownHostKey}`)}</Typography.Text>
              </span>
            ),
          },
          ...(p.ciphers?.length ? [{ key: 'ciphers', label: t('tunnels.import.ciphers'), children: mono(p.ciphers.join(', ')) }] : []),
          {
            key: 'autostart',
            label: t('tunnels.form.autostart'),
            children: (
              <Checkbox checked={autostart} onChange={(e) => onAutostart(e.target.checked)} data-testid="import-autostart">
                {t('tunnels.form.autostartHelp')}
              </Checkbox>
            ),
          },
        ]}
      />
      <Warnings warnings={result.warnings} />
    </div>
  );
}

export function Warnings({ warnings, testId = 'import-warnings' }: { warnings: ImportResult['warnings']; testId?: string }) {
  const { t } = useTranslation();
  if (warnings.length === 0) {
    return (
      <Alert type="success" showIcon className="drover-import-warnings" title={t('tunnels.import.noWarnings')} data-testid={testId} data-count={0} />
    );
  }
  return (
    <Alert
      type="warning"
      showIcon
      className="drover-import-warnings"
      data-testid={testId}
      data-count={warnings.length}
      title={t('tunnels.import.warnings', { count: warnings.length })}
      description={
        <ul className="drover-warning-list">
          {warnings.map((w, i) => (
            <li key={i} data-testid="import-warning">
              <Typography.Text code className="drover-warning-option">
                {w.option}
              </Typography.Text>{' '}
              {w.message}
            </li>
          ))}
        </ul>
      }
    />
  );
}

/** The pasted line with the part the error is about marked (the service says where). */
function Offending({ text, error }: { text: string; error: AppError }) {
  const at = error.details?.at;
  if (typeof at !== 'number' || at < 0 || at > text.length) return null;
  const length = typeof error.details?.length === 'number' && error.details.length > 0 ? error.details.length : 1;
  const from = Math.max(0, at - 60);
  const to = Math.min(text.length, at + length + 60);
  return (
    <code className="drover-import-offending drover-mono" data-testid="import-offending">
      {from > 0 ? '…' : ''}
      {text.slice(from, at)}
      <mark data-testid="import-offending-token">{text.slice(at, at + length) || ' '}</mark>
      {text.slice(at + length, to)}
      {to < text.length ? '…' : ''}
    </code>
  );
}
