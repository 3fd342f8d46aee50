import { ApiOutlined } from '@ant-design/icons';
import { DEFAULT_FARM_KEYS, EtcdSessionConfigSchema, type ClusterStatus, type EtcdSessionConfig, type EtcdSessionItem } from '@contract/etcd';
import { AppError } from '@contract/errors';
import type { TunnelProfile } from '@contract/tunnels';
import { Alert, App, Button, Divider, Drawer, Flex, Input, InputNumber, Radio, Select, Switch, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatBytes } from '../../components/format';
import { useFeatureStore } from '../../stores/stores';
import { etcdStoreKey } from './etcd-hooks';

interface Values {
  name: string;
  kind: 'direct' | 'tunnel';
  endpoints: string;
  tunnelId: string;
  forwardId: string;
  tls: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  serverName: string;
  auth: boolean;
  username: string;
  password: string;
  workerEnvKey: string;
  dcConfigKey: string;
  dialTimeoutMs: number | null;
  requestTimeoutMs: number | null;
}

function valuesOf(item: EtcdSessionItem | null): Values {
  const c = item?.config;
  return {
    name: c?.name ?? '',
    kind: c?.target.kind ?? 'direct',
    endpoints: c?.target.kind === 'direct' ? c.target.endpoints.join('\n') : '127.0.0.1:2379',
    tunnelId: c?.target.kind === 'tunnel' ? c.target.tunnelId : '',
    forwardId: c?.target.kind === 'tunnel' ? c.target.forwardId : '',
    tls: c?.tls !== undefined,
    caFile: c?.tls?.caFile ?? '',
    certFile: c?.tls?.certFile ?? '',
    keyFile: c?.tls?.keyFile ?? '',
    serverName: c?.tls?.serverName ?? '',
    auth: c?.auth !== undefined,
    username: c?.auth?.username ?? '',
    password: '',
    workerEnvKey: c?.farm?.workerEnvKey ?? DEFAULT_FARM_KEYS.workerEnvKey,
    dcConfigKey: c?.farm?.dcConfigKey ?? DEFAULT_FARM_KEYS.dcConfigKey,
    dialTimeoutMs: c?.dialTimeoutMs ?? 5000,
    requestTimeoutMs: c?.requestTimeoutMs ?? 15000,
  };
}

export function newSessionId(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'etcd';
  return `${base}-${Math.random().toString(16).slice(2, 8)}`;
}

/** The form's values as a session config (the contract's schema decides what is valid). */
function toConfig(v: Values, id: string): { ok: true; config: EtcdSessionConfig } | { ok: false; error: string } {
  const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
  const farm = v.workerEnvKey.trim() === DEFAULT_FARM_KEYS.workerEnvKey && v.dcConfigKey.trim() === DEFAULT_FARM_KEYS.dcConfigKey ? undefined : { workerEnvKey: v.workerEnvKey.trim(), dcConfigKey: v.dcConfigKey.trim() };
  const raw = {
    id,
    name: v.name.trim(),
    target:
      v.kind === 'direct'
        ? { kind: 'direct', endpoints: v.endpoints.split(/[\s,]+/).filter(Boolean) }
        : { kind: 'tunnel', tunnelId: v.tunnelId, forwardId: v.forwardId },
    ...(v.tls ? { tls: { caFile: opt(v.caFile), certFile: opt(v.certFile), keyFile: opt(v.keyFile), serverName: opt(v.serverName) } } : {}),
    ...(v.auth ? { auth: { username: v.username.trim(), passwordSecretId: `etcd:${id}:password` } } : {}),
    ...(farm ? { farm } : {}),
    dialTimeoutMs: v.dialTimeoutMs ?? 5000,
    requestTimeoutMs: v.requestTimeoutMs ?? 15000,
  };
  const parsed = EtcdSessionConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'session'}: ${i.message}`).join('; ') };
  return { ok: true, config: parsed.data };
}

/** A session: endpoints or a Drover tunnel's forward, TLS, user and password (kept in the secret store), the farm's key patterns. */
export function SessionFormDrawer({ open, item, onClose }: { open: boolean; item: EtcdSessionItem | null; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Drawer open={open} onClose={onClose} size={640} destroyOnHidden title={item ? t('etcd.session.editTitle', { name: item.config.name }) : t('etcd.session.newTitle')}>
      {open && <SessionFormBody key={item?.config.id ?? 'new'} item={item} onClose={onClose} />}
    </Drawer>
  );
}

function SessionFormBody({ item, onClose }: { item: EtcdSessionItem | null; onClose(): void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const store = useFeatureStore(etcdStoreKey);
  const [v, setV] = useState<Values>(valuesOf(item));
  const [tunnels, setTunnels] = useState<TunnelProfile[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [tested, setTested] = useState<ClusterStatus | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [clearPassword, setClearPassword] = useState(false);
  const [id] = useState(() => item?.config.id ?? '');

  useEffect(() => {
    store
      .getState()
      .listTunnels()
      .then(setTunnels, () => setTunnels([]));
  }, [store]);

  const patch = (p: Partial<Values>) => {
    setV((prev) => ({ ...prev, ...p }));
    setProblem(null);
    setTested(null);
  };
  const tunnel = tunnels.find((p) => p.id === v.tunnelId);
  const forwards = (tunnel?.forwards ?? []).filter((f) => f.kind === 'local');
  const build = () => {
    const r = toConfig(v, id || newSessionId(v.name));
    if (!r.ok) setProblem(r.error);
    return r;
  };
  const test = async () => {
    const r = build();
    if (!r.ok) return;
    setBusy('test');
    setError(null);
    setTested(null);
    try {
      setTested(await store.getState().testSession(r.config, v.auth && v.password ? v.password : undefined));
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setBusy(null);
    }
  };
  const save = async () => {
    const r = build();
    if (!r.ok) return;
    setBusy('save');
    setError(null);
    try {
      await store.getState().saveSession(r.config, v.auth && v.password ? v.password : undefined, clearPassword);
      onClose();
    } catch (err) {
      setError(AppError.from(err));
    } finally {
      setBusy(null);
    }
  };
  const remove = () => {
    if (!item) return;
    modal.confirm({
      title: t('etcd.session.confirmRemoveTitle', { name: item.config.name }),
      content: t('etcd.session.confirmRemoveBody'),
      okText: t('etcd.session.remove'),
      okButtonProps: { danger: true },
      onOk: async () => {
        await store.getState().removeSession(item.config.id);
        onClose();
      },
    });
  };

  const footer = (
        <Flex gap={8} wrap className="drover-etcd-dialog-footer">
          <Button icon={<ApiOutlined />} onClick={() => void test()} loading={busy === 'test'} data-testid="etcd-session-test">
            {t('etcd.session.test')}
          </Button>
          <span style={{ flex: 1 }} />
          {item && (
            <Button danger onClick={remove} data-testid="etcd-session-remove">
              {t('etcd.session.remove')}
            </Button>
          )}
          <Button onClick={onClose}>{t('etcd.common.cancel')}</Button>
          <Button type="primary" onClick={() => void save()} loading={busy === 'save'} data-testid="etcd-session-save">
            {t('etcd.session.save')}
          </Button>
        </Flex>
  );
  return (
      <Flex vertical gap={12} data-testid="etcd-session-form">
        <Field label={t('etcd.session.name')}>
          <Input value={v.name} onChange={(e) => patch({ name: e.target.value })} placeholder={t('etcd.session.namePlaceholder')} data-testid="etcd-session-name" />
        </Field>
        <Field label={t('etcd.session.target')}>
          <Radio.Group value={v.kind} onChange={(e) => patch({ kind: e.target.value as Values['kind'] })} optionType="button" data-testid="etcd-session-kind">
            <Radio.Button value="direct">{t('etcd.session.direct')}</Radio.Button>
            <Radio.Button value="tunnel">{t('etcd.session.viaTunnel')}</Radio.Button>
          </Radio.Group>
        </Field>
        {v.kind === 'direct' ? (
          <Field label={t('etcd.session.endpoints')} hint={t('etcd.session.endpointsHint')}>
            <Input.TextArea className="drover-mono" rows={3} value={v.endpoints} onChange={(e) => patch({ endpoints: e.target.value })} data-testid="etcd-session-endpoints" spellCheck={false} data-shortcuts="off" />
          </Field>
        ) : (
          <Flex gap={8}>
            <Field label={t('etcd.session.tunnel')} hint={tunnels.length === 0 ? t('etcd.session.noTunnels') : undefined}>
              <Select
                value={v.tunnelId || undefined}
                onChange={(tunnelId: string) => {
                  const fw = tunnels.find((p) => p.id === tunnelId)?.forwards.find((f) => f.kind === 'local' && 'destPort' in f && f.destPort === 2379) ?? tunnels.find((p) => p.id === tunnelId)?.forwards.find((f) => f.kind === 'local');
                  patch({ tunnelId, forwardId: fw?.id ?? '' });
                }}
                options={tunnels.map((p) => ({ value: p.id, label: p.name }))}
                style={{ width: 240 }}
                data-testid="etcd-session-tunnel"
              />
            </Field>
            <Field label={t('etcd.session.forward')}>
              <Select
                value={v.forwardId || undefined}
                onChange={(forwardId: string) => patch({ forwardId })}
                options={forwards.map((f) => ({ value: f.id, label: `-L ${f.bindAddress}:${f.bindPort} → ${f.kind === 'local' ? `${f.destHost}:${f.destPort}` : ''}` }))}
                style={{ width: 320 }}
                data-testid="etcd-session-forward"
              />
            </Field>
          </Flex>
        )}
        <Divider style={{ margin: '4px 0' }} />
        <Flex align="center" gap={8}>
          <Switch checked={v.tls} onChange={(tls) => patch({ tls })} data-testid="etcd-session-tls" />
          <Typography.Text strong>{t('etcd.session.tls')}</Typography.Text>
        </Flex>
        {v.tls && (
          <Flex vertical gap={8}>
            <Field label={t('etcd.session.caFile')} hint={t('etcd.session.caFileHint')}>
              <Input className="drover-mono" value={v.caFile} onChange={(e) => patch({ caFile: e.target.value })} />
            </Field>
            <Flex gap={8}>
              <Field label={t('etcd.session.certFile')}>
                <Input className="drover-mono" value={v.certFile} onChange={(e) => patch({ certFile: e.target.value })} />
              </Field>
              <Field label={t('etcd.session.keyFile')}>
                <Input className="drover-mono" value={v.keyFile} onChange={(e) => patch({ keyFile: e.target.value })} />
              </Field>
            </Flex>
            <Field label={t('etcd.session.serverName')} hint={t('etcd.session.serverNameHint')}>
              <Input className="drover-mono" value={v.serverName} onChange={(e) => patch({ serverName: e.target.value })} />
            </Field>
          </Flex>
        )}
        <Flex align="center" gap={8}>
          <Switch checked={v.auth} onChange={(auth) => patch({ auth })} data-testid="etcd-session-auth" />
          <Typography.Text strong>{t('etcd.session.auth')}</Typography.Text>
        </Flex>
        {v.auth && (
          <Flex gap={8}>
            <Field label={t('etcd.session.username')}>
              <Input value={v.username} onChange={(e) => patch({ username: e.target.value })} autoComplete="off" />
            </Field>
            <Field label={t('etcd.session.password')} hint={item?.hasPassword ? t('etcd.session.passwordKept') : t('etcd.session.passwordHint')}>
              <Input.Password value={v.password} onChange={(e) => patch({ password: e.target.value })} autoComplete="new-password" placeholder={item?.hasPassword ? '••••••' : ''} />
            </Field>
          </Flex>
        )}
        {v.auth && item?.hasPassword && (
          <label>
            <Switch size="small" checked={clearPassword} onChange={setClearPassword} /> {t('etcd.session.forgetPassword')}
          </label>
        )}
        <Divider style={{ margin: '4px 0' }} />
        <Typography.Text strong>{t('etcd.session.farm')}</Typography.Text>
        <Typography.Text type="secondary">{t('etcd.session.farmHint')}</Typography.Text>
        <Field label={t('etcd.session.workerEnvKey')}>
          <Input className="drover-mono" value={v.workerEnvKey} onChange={(e) => patch({ workerEnvKey: e.target.value })} />
        </Field>
        <Field label={t('etcd.session.dcConfigKey')}>
          <Input className="drover-mono" value={v.dcConfigKey} onChange={(e) => patch({ dcConfigKey: e.target.value })} />
        </Field>
        <Flex gap={8}>
          <Field label={t('etcd.session.dialTimeout')}>
            <InputNumber min={100} max={120000} step={500} value={v.dialTimeoutMs} onChange={(n) => patch({ dialTimeoutMs: n })} addonAfter="ms" />
          </Field>
          <Field label={t('etcd.session.requestTimeout')}>
            <InputNumber min={100} max={600000} step={1000} value={v.requestTimeoutMs} onChange={(n) => patch({ requestTimeoutMs: n })} addonAfter="ms" />
          </Field>
        </Flex>
        {problem && <Alert type="error" showIcon title={t('etcd.session.invalid')} description={<span className="drover-mono">{problem}</span>} data-testid="etcd-session-problem" />}
        {error && <Alert type="error" showIcon title={t('etcd.session.failed')} description={<ErrorDetails error={error} action="connectEtcd" />} data-testid="etcd-session-error" />}
        {tested && (
          <Alert
            type="success"
            showIcon
            data-testid="etcd-session-tested"
            title={t('etcd.session.tested', { version: tested.version, members: tested.members.length })}
            description={t('etcd.session.testedDetail', { db: formatBytes(tested.dbSizeBytes), revision: tested.revision, endpoint: tested.endpoint })}
          />
        )}
        {footer}
      </Flex>
  );
}

function Field({ label, hint, children }: { label: string; hint?: string | undefined; children: React.ReactNode }) {
  return (
    <Flex vertical gap={2} style={{ flex: 1, minWidth: 0 }}>
      <Typography.Text>{label}</Typography.Text>
      {children}
      {hint && <Typography.Text type="secondary">{hint}</Typography.Text>}
    </Flex>
  );
}
