import { ApiOutlined } from '@ant-design/icons';
import type { AppError } from '@contract/errors';
import { MinerSessionConfigSchema, type LotusEndpointConfig, type MinerSessionConfig, type MinerSessionItem, type MinerTestResult } from '@contract/miners';
import type { TunnelProfile } from '@contract/tunnels';
import { Alert, App, Button, Divider, Drawer, Flex, Input, InputNumber, Radio, Select, Switch, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useMinersStore } from './miners-hooks';

interface Endpoint {
  url: string;
  token: string;
  clearToken: boolean;
  tunnelId: string;
  forwardId: string;
}

interface Values {
  name: string;
  kind: 'rpc' | 'cli';
  miner: Endpoint;
  useFullNode: boolean;
  fullNode: Endpoint;
  transport: 'http' | 'ws';
  chainNotify: boolean;
  storage: boolean;
  workerApiPort: number | null;
  sshHost: string;
  sshPort: number | null;
  sshUser: string;
  jump: string;
  program: string;
  minerPath: string;
  sectorsList: boolean;
  commandTimeoutSec: number | null;
  pollIntervalSec: number | null;
  jobSlowFactor: number | null;
  stuckAssignedMin: number | null;
  stuckRetWaitMin: number | null;
  workerBelowFil: number | null;
  availableBelowFil: number | null;
}

function endpointOf(e: LotusEndpointConfig | undefined, url: string): Endpoint {
  return { url: e?.url ?? url, token: '', clearToken: false, tunnelId: e?.tunnel?.tunnelId ?? '', forwardId: e?.tunnel?.forwardId ?? '' };
}

function valuesOf(item: MinerSessionItem | null): Values {
  const c = item?.config;
  const rpc = c?.source.kind === 'rpc' ? c.source : undefined;
  const cli = c?.source.kind === 'cli' ? c.source : undefined;
  const a = c?.alerts;
  return {
    name: c?.name ?? '',
    kind: c?.source.kind ?? 'rpc',
    miner: endpointOf(rpc?.miner, 'http://127.0.0.1:2345/rpc/v0'),
    useFullNode: c ? rpc?.fullNode !== undefined : true,
    fullNode: endpointOf(rpc?.fullNode, 'http://127.0.0.1:1234/rpc/v1'),
    transport: rpc?.transport ?? 'http',
    chainNotify: rpc?.chainNotify ?? true,
    storage: rpc?.storage ?? true,
    workerApiPort: rpc?.workerApi?.port ?? 3456,
    sshHost: cli?.ssh.target.host ?? '',
    sshPort: cli?.ssh.target.port ?? 22,
    sshUser: cli?.ssh.target.user ?? '',
    jump: (cli?.ssh.jumps ?? []).map((j) => `${j.user}@${j.host}${j.port !== 22 ? `:${j.port}` : ''}`).join(','),
    program: cli?.program ?? '',
    minerPath: cli?.minerPath ?? '',
    sectorsList: cli?.sectorsList ?? false,
    commandTimeoutSec: cli?.commandTimeoutSec ?? 60,
    pollIntervalSec: c?.pollIntervalSec ?? 10,
    jobSlowFactor: a?.jobSlowFactor ?? 3,
    stuckAssignedMin: a ? Math.round(a.stuckAssignedSec / 60) : 30,
    stuckRetWaitMin: a ? Math.round(a.stuckRetWaitSec / 60) : 15,
    workerBelowFil: a?.balanceBelowFil.worker ?? null,
    availableBelowFil: a?.balanceBelowFil.available ?? null,
  };
}

export function newSessionId(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'miner';
  return `${base}-${Math.random().toString(16).slice(2, 8)}`;
}

function parseJumps(text: string): { host: string; port: number; user: string }[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((j) => {
      const m = /^([^@]+)@(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(j);
      return m ? { user: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 22 } : { user: '', host: j, port: 22 };
    });
}

/** The form's values as a session config (the contract's schema decides what is valid). */
export function toConfig(v: Values, id: string, prev: MinerSessionConfig | undefined): { ok: true; config: MinerSessionConfig } | { ok: false; error: string } {
  const endpoint = (e: Endpoint, prevE: LotusEndpointConfig | undefined) => ({
    url: e.url.trim(),
    ...(prevE?.tokenSecretId ? { tokenSecretId: prevE.tokenSecretId } : {}),
    ...(e.tunnelId && e.forwardId ? { tunnel: { tunnelId: e.tunnelId, forwardId: e.forwardId } } : {}),
  });
  const prevRpc = prev?.source.kind === 'rpc' ? prev.source : undefined;
  const source =
    v.kind === 'rpc'
      ? {
          kind: 'rpc',
          miner: endpoint(v.miner, prevRpc?.miner),
          ...(v.useFullNode ? { fullNode: endpoint(v.fullNode, prevRpc?.fullNode) } : {}),
          transport: v.transport,
          chainNotify: v.chainNotify,
          storage: v.storage,
          workerApi: { port: v.workerApiPort ?? 3456, urls: prevRpc?.workerApi?.urls ?? {} },
        }
      : {
          kind: 'cli',
          ssh: { target: { host: v.sshHost.trim(), port: v.sshPort ?? 22, user: v.sshUser.trim() }, jumps: parseJumps(v.jump) },
          ...(v.program.trim() ? { program: v.program.trim() } : {}),
          ...(v.minerPath.trim() ? { minerPath: v.minerPath.trim() } : {}),
          env: prev?.source.kind === 'cli' ? prev.source.env : {},
          sectorsList: v.sectorsList,
          commandTimeoutSec: v.commandTimeoutSec ?? 60,
        };
  const balanceBelowFil = {
    ...(prev?.alerts.balanceBelowFil ?? {}),
    ...(v.workerBelowFil !== null ? { worker: v.workerBelowFil } : { worker: undefined }),
    ...(v.availableBelowFil !== null ? { available: v.availableBelowFil } : { available: undefined }),
  };
  const raw = {
    id,
    name: v.name.trim(),
    source,
    pollIntervalSec: v.pollIntervalSec ?? 10,
    paused: prev?.paused ?? false,
    alerts: {
      ...(prev?.alerts ?? {}),
      jobSlowFactor: v.jobSlowFactor ?? 3,
      stuckAssignedSec: (v.stuckAssignedMin ?? 30) * 60,
      stuckRetWaitSec: (v.stuckRetWaitMin ?? 15) * 60,
      balanceBelowFil: Object.fromEntries(Object.entries(balanceBelowFil).filter(([, x]) => x !== undefined)),
    },
  };
  const parsed = MinerSessionConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'session'}: ${i.message}`).join('; ') };
  return { ok: true, config: parsed.data };
}

/** Adding or editing a miner: its API (URL, token kept as a secret, optionally through a Drover tunnel) or its SSH login for the CLI, the poll interval and alert thresholds; test before saving. */
export function SessionFormDrawer({ open, item, onClose }: { open: boolean; item: MinerSessionItem | null; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Drawer open={open} onClose={onClose} size={620} destroyOnHidden title={item ? t('miners.session.editTitle', { name: item.config.name }) : t('miners.session.newTitle')}>
      {open && <SessionFormBody key={item?.config.id ?? 'new'} item={item} onClose={onClose} />}
    </Drawer>
  );
}

function EndpointFields({ label, e, kept, tunnels, onChange, testId }: { label: string; e: Endpoint; kept: boolean; tunnels: TunnelProfile[]; onChange(p: Partial<Endpoint>): void; testId: string }) {
  const { t } = useTranslation();
  const tunnel = tunnels.find((p) => p.id === e.tunnelId);
  const forwards = (tunnel?.forwards ?? []).filter((f) => f.kind === 'local');
  return (
    <Flex vertical gap={8}>
      <Typography.Text strong>{label}</Typography.Text>
      <Field label={t('miners.session.url')} hint={t('miners.session.urlHint')}>
        <Input className="drover-mono" value={e.url} onChange={(ev) => onChange({ url: ev.target.value })} data-testid={`${testId}-url`} spellCheck={false} />
      </Field>
      <Field label={t('miners.session.token')} hint={kept ? t('miners.session.tokenKept') : t('miners.session.tokenHint')}>
        <Input.Password value={e.token} onChange={(ev) => onChange({ token: ev.target.value })} autoComplete="new-password" placeholder={kept ? '••••••' : ''} data-testid={`${testId}-token`} />
      </Field>
      {kept && (
        <label>
          <Switch size="small" checked={e.clearToken} onChange={(clearToken) => onChange({ clearToken })} /> {t('miners.session.forgetToken')}
        </label>
      )}
      <Flex gap={8}>
        <Field label={t('miners.session.tunnel')} hint={tunnels.length === 0 ? t('miners.session.noTunnels') : t('miners.session.tunnelHint')}>
          <Select
            allowClear
            value={e.tunnelId || undefined}
            placeholder={t('miners.session.direct')}
            onChange={(tunnelId: string | undefined) => {
              const p = tunnels.find((x) => x.id === tunnelId);
              onChange({ tunnelId: tunnelId ?? '', forwardId: p?.forwards.find((f) => f.kind === 'local')?.id ?? '' });
            }}
            options={tunnels.map((p) => ({ value: p.id, label: p.name }))}
            data-testid={`${testId}-tunnel`}
          />
        </Field>
        {e.tunnelId && (
          <Field label={t('miners.session.forward')}>
            <Select
              value={e.forwardId || undefined}
              onChange={(forwardId: string) => onChange({ forwardId })}
              options={forwards.map((f) => ({ value: f.id, label: `-L ${f.bindAddress}:${f.bindPort} → ${f.kind === 'local' ? `${f.destHost}:${f.destPort}` : ''}` }))}
              data-testid={`${testId}-forward`}
            />
          </Field>
        )}
      </Flex>
    </Flex>
  );
}

function SessionFormBody({ item, onClose }: { item: MinerSessionItem | null; onClose(): void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const save = useMinersStore((s) => s.saveSession);
  const test = useMinersStore((s) => s.testSession);
  const remove = useMinersStore((s) => s.removeSession);
  const api = useTunnelList();
  const [v, setV] = useState<Values>(valuesOf(item));
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [tested, setTested] = useState<MinerTestResult | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [id] = useState(() => item?.config.id ?? '');

  const patch = (p: Partial<Values>) => {
    setV((prev) => ({ ...prev, ...p }));
    setProblem(null);
    setTested(null);
  };
  const build = () => {
    const r = toConfig(v, id || newSessionId(v.name), item?.config);
    if (!r.ok) setProblem(r.error);
    return r;
  };
  const tokens = () => ({
    minerToken: v.kind === 'rpc' && v.miner.token ? v.miner.token : undefined,
    fullNodeToken: v.kind === 'rpc' && v.useFullNode && v.fullNode.token ? v.fullNode.token : undefined,
  });
  const onTest = async () => {
    const r = build();
    if (!r.ok) return;
    setBusy('test');
    setError(null);
    setTested(null);
    const res = await test(r.config, tokens());
    if (res.ok) setTested(res.value);
    else setError(res.error);
    setBusy(null);
  };
  const onSave = async () => {
    const r = build();
    if (!r.ok) return;
    setBusy('save');
    setError(null);
    const res = await save(r.config, { ...tokens(), clearMinerToken: v.miner.clearToken, clearFullNodeToken: v.fullNode.clearToken || (!v.useFullNode && item?.hasFullNodeToken) });
    setBusy(null);
    if (res.ok) onClose();
    else setError(res.error);
  };
  const onRemove = () => {
    if (!item) return;
    modal.confirm({
      title: t('miners.session.confirmRemoveTitle', { name: item.config.name }),
      content: <div data-testid="miners-confirm-remove">{t('miners.session.confirmRemoveBody')}</div>,
      okText: t('miners.session.remove'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'miners-confirm-remove-ok' } as Record<string, string>) },
      onOk: async () => {
        if (await remove(item.config.id)) onClose();
      },
    });
  };

  return (
    <Flex vertical gap={12} data-testid="miners-session-form">
      <Field label={t('miners.session.name')}>
        <Input value={v.name} onChange={(e) => patch({ name: e.target.value })} placeholder={t('miners.session.namePlaceholder')} data-testid="miners-session-name" />
      </Field>
      <Field label={t('miners.session.kind')}>
        <Radio.Group value={v.kind} onChange={(e) => patch({ kind: e.target.value as Values['kind'] })} optionType="button" data-testid="miners-session-kind">
          <Radio.Button value="rpc">{t('miners.session.rpc')}</Radio.Button>
          <Radio.Button value="cli">{t('miners.session.cli')}</Radio.Button>
        </Radio.Group>
      </Field>
      {v.kind === 'rpc' ? (
        <>
          <EndpointFields label={t('miners.session.minerApi')} e={v.miner} kept={item?.hasMinerToken ?? false} tunnels={api} onChange={(p) => patch({ miner: { ...v.miner, ...p } })} testId="miners-session-miner" />
          <Flex align="center" gap={8}>
            <Switch checked={v.useFullNode} onChange={(useFullNode) => patch({ useFullNode })} data-testid="miners-session-use-full-node" />
            <Typography.Text>{t('miners.session.useFullNode')}</Typography.Text>
          </Flex>
          {v.useFullNode && (
            <EndpointFields label={t('miners.session.fullNodeApi')} e={v.fullNode} kept={item?.hasFullNodeToken ?? false} tunnels={api} onChange={(p) => patch({ fullNode: { ...v.fullNode, ...p } })} testId="miners-session-full" />
          )}
          <Flex gap={16} wrap align="center">
            <Radio.Group value={v.transport} onChange={(e) => patch({ transport: e.target.value as Values['transport'] })} optionType="button" size="small">
              <Radio.Button value="http">HTTP</Radio.Button>
              <Radio.Button value="ws">WebSocket</Radio.Button>
            </Radio.Group>
            <label>
              <Switch size="small" checked={v.chainNotify} onChange={(chainNotify) => patch({ chainNotify })} /> {t('miners.session.chainNotify')}
            </label>
            <label>
              <Switch size="small" checked={v.storage} onChange={(storage) => patch({ storage })} /> {t('miners.session.storage')}
            </label>
          </Flex>
          <Field label={t('miners.session.workerApiPort')} hint={t('miners.session.workerApiHint')}>
            <InputNumber min={1} max={65535} value={v.workerApiPort} onChange={(n) => patch({ workerApiPort: n })} />
          </Field>
        </>
      ) : (
        <>
          <Flex gap={8}>
            <Field label={t('miners.session.sshUser')}>
              <Input value={v.sshUser} onChange={(e) => patch({ sshUser: e.target.value })} data-testid="miners-session-ssh-user" />
            </Field>
            <Field label={t('miners.session.sshHost')}>
              <Input className="drover-mono" value={v.sshHost} onChange={(e) => patch({ sshHost: e.target.value })} data-testid="miners-session-ssh-host" />
            </Field>
            <Field label={t('miners.session.sshPort')}>
              <InputNumber min={1} max={65535} value={v.sshPort} onChange={(n) => patch({ sshPort: n })} data-testid="miners-session-ssh-port" />
            </Field>
          </Flex>
          <Field label={t('miners.session.jumps')} hint={t('miners.session.jumpsHint')}>
            <Input className="drover-mono" value={v.jump} onChange={(e) => patch({ jump: e.target.value })} placeholder="ops@bastion:22" />
          </Field>
          <Flex gap={8}>
            <Field label={t('miners.session.program')}>
              <Input className="drover-mono" value={v.program} onChange={(e) => patch({ program: e.target.value })} placeholder="lotus-miner" />
            </Field>
            <Field label={t('miners.session.minerPath')}>
              <Input className="drover-mono" value={v.minerPath} onChange={(e) => patch({ minerPath: e.target.value })} placeholder="~/.lotusminer" />
            </Field>
          </Flex>
          <Flex gap={16} align="center" wrap>
            <label>
              <Switch size="small" checked={v.sectorsList} onChange={(sectorsList) => patch({ sectorsList })} /> {t('miners.session.sectorsList')}
            </label>
            <Field label={t('miners.session.commandTimeout')}>
              <InputNumber min={1} max={3600} value={v.commandTimeoutSec} onChange={(n) => patch({ commandTimeoutSec: n })} addonAfter="s" />
            </Field>
          </Flex>
        </>
      )}
      <Divider style={{ margin: '4px 0' }} />
      <Flex gap={8} wrap>
        <Field label={t('miners.session.pollInterval')}>
          <InputNumber min={2} max={3600} value={v.pollIntervalSec} onChange={(n) => patch({ pollIntervalSec: n })} addonAfter="s" data-testid="miners-session-poll" />
        </Field>
        <Field label={t('miners.session.jobSlowFactor')} hint={t('miners.session.jobSlowFactorHint')}>
          <InputNumber min={1.1} max={100} step={0.5} value={v.jobSlowFactor} onChange={(n) => patch({ jobSlowFactor: n })} addonAfter="×" />
        </Field>
      </Flex>
      <Flex gap={8} wrap>
        <Field label={t('miners.session.stuckAssigned')}>
          <InputNumber min={1} value={v.stuckAssignedMin} onChange={(n) => patch({ stuckAssignedMin: n })} addonAfter={t('miners.session.minutes')} />
        </Field>
        <Field label={t('miners.session.stuckRetWait')}>
          <InputNumber min={1} value={v.stuckRetWaitMin} onChange={(n) => patch({ stuckRetWaitMin: n })} addonAfter={t('miners.session.minutes')} />
        </Field>
      </Flex>
      <Flex gap={8} wrap>
        <Field label={t('miners.session.workerBelow')}>
          <InputNumber min={0} step={0.1} value={v.workerBelowFil} onChange={(n) => patch({ workerBelowFil: n })} addonAfter="FIL" />
        </Field>
        <Field label={t('miners.session.availableBelow')}>
          <InputNumber min={0} step={1} value={v.availableBelowFil} onChange={(n) => patch({ availableBelowFil: n })} addonAfter="FIL" />
        </Field>
      </Flex>
      {problem && <Alert type="error" showIcon title={t('miners.session.invalid')} description={<span className="drover-mono">{problem}</span>} data-testid="miners-session-problem" />}
      {error && <Alert type="error" showIcon title={t('miners.session.failed')} description={<ErrorDetails error={error} action="minersTest" />} data-testid="miners-session-error" />}
      {tested && (
        <Alert
          type={tested.problems.length > 0 || tested.access === 'read' ? 'warning' : 'success'}
          showIcon
          data-testid="miners-session-tested"
          title={t('miners.session.tested', { miner: tested.minerId ?? '?', workers: tested.workers, jobs: tested.jobs, ms: Math.round(tested.durationMs) })}
          description={
            <div>
              <div>{t(`miners.access.${tested.access}`)}</div>
              {tested.problems.slice(0, 5).map((p, i) => (
                <div key={i} className="drover-mono drover-miners-small">
                  {p.source}: {p.message}
                </div>
              ))}
            </div>
          }
        />
      )}
      <Flex gap={8} wrap>
        <Button icon={<ApiOutlined />} onClick={() => void onTest()} loading={busy === 'test'} data-testid="miners-session-test">
          {t('miners.session.test')}
        </Button>
        <span style={{ flex: 1 }} />
        {item && (
          <Button danger onClick={onRemove} data-testid="miners-session-remove">
            {t('miners.session.remove')}
          </Button>
        )}
        <Button onClick={onClose}>{t('miners.common.cancel')}</Button>
        <Button type="primary" onClick={() => void onSave()} loading={busy === 'save'} data-testid="miners-session-save">
          {t('miners.session.save')}
        </Button>
      </Flex>
    </Flex>
  );
}

/** The saved tunnel profiles (for "through a Drover tunnel"). */
function useTunnelList(): TunnelProfile[] {
  const listTunnels = useMinersStore((s) => s.listTunnels);
  const [tunnels, setTunnels] = useState<TunnelProfile[]>([]);
  useEffect(() => {
    listTunnels().then(setTunnels, () => setTunnels([]));
  }, [listTunnels]);
  return tunnels;
}

function Field({ label, hint, children }: { label: string; hint?: string | undefined; children: ReactNode }) {
  return (
    <Flex vertical gap={2} style={{ flex: 1, minWidth: 0 }}>
      <Typography.Text>{label}</Typography.Text>
      {children}
      {hint && <Typography.Text type="secondary">{hint}</Typography.Text>}
    </Flex>
  );
}
