import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined, WarningOutlined } from '@ant-design/icons';
import type { ErrorData } from '@contract/errors';
import type { Hop } from '@contract/ssh';
import { TunnelProfileSchema, type ForwardSpec, type TunnelProfile } from '@contract/tunnels';
import { Alert, Button, Checkbox, Divider, Drawer, Flex, Form, Input, InputNumber, Radio, Select, Switch, Tooltip, Typography, type FormInstance } from 'antd';
import type { Rule } from 'antd/es/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useTunnelsStore } from './tunnels-hooks';
import { isLoopbackAddress } from '@contract/net-address';
import { isRunningState } from './tunnels-store';
import { newProfileId } from './format';

// ---- the form's values: the profile's shape, with empty numbers allowed while typing ----

interface HopValues {
  host: string;
  port: number | null;
  user: string;
  identityFiles?: string[];
  useAgent?: boolean;
  passwordSecretId?: string;
}

interface ForwardValues {
  id: string;
  kind: ForwardSpec['kind'];
  bindAddress: string;
  bindPort: number | null;
  destHost?: string;
  destPort?: number | null;
  allowLan: boolean;
  probeIntervalSec: number | null;
}

export interface TunnelFormValues {
  name: string;
  target: HopValues;
  jumps: HopValues[];
  forwards: ForwardValues[];
  keepalive: { intervalSec: number | null; countMax: number | null };
  exitOnForwardFailure: boolean;
  holdClientsSec: number | null;
  unknownHostKey: TunnelProfile['unknownHostKey'];
  autostart: boolean;
}

/** What the form opens with: a profile to edit, or values for a new one (blank, imported, from ~/.ssh/config). */
export interface TunnelFormInit {
  readonly mode: 'create' | 'edit';
  /** The saved profile being edited: its id and the fields the form does not show are kept. */
  readonly base?: TunnelProfile;
  readonly values: TunnelFormValues;
  /** Shown above the form, e.g. "this host has no forwards in ~/.ssh/config: add one". */
  readonly note?: string;
}

const HOST_PATTERN = /^[A-Za-z0-9._:%[\]-]+$/;
const USER_PATTERN = /^[A-Za-z0-9._][A-Za-z0-9._@-]*$/;
export const DEFAULT_KEEPALIVE = { intervalSec: 5, countMax: 2 } as const;

export function emptyForward(id: string): ForwardValues {
  return { id, kind: 'local', bindAddress: '127.0.0.1', bindPort: null, destHost: '127.0.0.1', destPort: null, allowLan: false, probeIntervalSec: 0 };
}

function hopValues(h: Hop | HopValues): HopValues {
  // The service uses the agent unless told not to (useAgent: false): unset shows as ticked.
  return { ...h, identityFiles: h.identityFiles ? [...h.identityFiles] : [], useAgent: h.useAgent ?? true };
}

function forwardValues(f: ForwardSpec): ForwardValues {
  return {
    id: f.id,
    kind: f.kind,
    bindAddress: f.bindAddress,
    bindPort: f.bindPort,
    destHost: f.kind === 'dynamic' ? '' : f.destHost,
    destPort: f.kind === 'dynamic' ? null : f.destPort,
    allowLan: f.allowLan,
    probeIntervalSec: f.probeIntervalSec,
  };
}

export function profileToValues(p: {
  name: string;
  target: Hop;
  jumps: readonly Hop[];
  forwards: readonly ForwardSpec[];
  keepalive?: { intervalSec: number; countMax: number } | undefined;
  exitOnForwardFailure?: boolean;
  holdClientsSec?: number;
  unknownHostKey?: TunnelProfile['unknownHostKey'];
  autostart?: boolean;
}): TunnelFormValues {
  return {
    name: p.name,
    target: hopValues(p.target),
    jumps: p.jumps.map(hopValues),
    forwards: p.forwards.length ? p.forwards.map(forwardValues) : [emptyForward('f1')],
    keepalive: { ...(p.keepalive ?? DEFAULT_KEEPALIVE) },
    exitOnForwardFailure: p.exitOnForwardFailure ?? true,
    holdClientsSec: p.holdClientsSec ?? DEFAULT_HOLD_CLIENTS_SEC,
    unknownHostKey: p.unknownHostKey ?? 'ask',
    autostart: p.autostart ?? false,
  };
}

const DEFAULT_HOLD_CLIENTS_SEC = 3;

/** A number field's range as a validation error (never a silent rewrite of 99999 to 65535). */
function rangeRule(min: number, max: number, t: TFunction) {
  return {
    validator: (_rule: unknown, value: unknown) =>
      value === null || value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)
        ? Promise.resolve()
        : Promise.reject(new Error(t('tunnels.form.outOfRange', { min, max }))),
  };
}

export function blankValues(): TunnelFormValues {
  return {
    name: '',
    target: { host: '', port: 22, user: '', identityFiles: [], useAgent: true },
    jumps: [],
    forwards: [emptyForward('f1')],
    keepalive: { ...DEFAULT_KEEPALIVE },
    exitOnForwardFailure: true,
    holdClientsSec: DEFAULT_HOLD_CLIENTS_SEC,
    unknownHostKey: 'ask',
    autostart: false,
  };
}

function cleanHop(h: HopValues): Hop {
  const files = (h.identityFiles ?? []).map((f) => f.trim()).filter(Boolean);
  return {
    host: h.host.trim(),
    port: h.port ?? 22,
    user: h.user.trim(),
    ...(files.length ? { identityFiles: files } : {}),
    ...(h.useAgent === false ? { useAgent: false } : {}),
    ...(h.passwordSecretId ? { passwordSecretId: h.passwordSecretId } : {}),
  };
}

function cleanForward(f: ForwardValues): ForwardSpec {
  const common = { id: f.id, allowLan: f.kind !== 'remote' && !isLoopbackAddress(f.bindAddress) ? f.allowLan : false, probeIntervalSec: f.probeIntervalSec ?? 0 };
  const bindAddress = f.bindAddress.trim() || '127.0.0.1';
  const bindPort = f.bindPort ?? 0;
  if (f.kind === 'dynamic') return { ...common, kind: 'dynamic', bindAddress, bindPort };
  return { ...common, kind: f.kind, bindAddress, bindPort, destHost: (f.destHost ?? '').trim(), destPort: f.destPort ?? 0 };
}

export function valuesToProfile(v: TunnelFormValues, base: TunnelProfile | undefined): TunnelProfile {
  return {
    ...(base ?? {}),
    id: base?.id ?? newProfileId(v.name),
    name: v.name.trim(),
    target: cleanHop(v.target),
    jumps: v.jumps.map(cleanHop),
    forwards: v.forwards.map(cleanForward),
    keepalive: { intervalSec: v.keepalive.intervalSec ?? DEFAULT_KEEPALIVE.intervalSec, countMax: v.keepalive.countMax ?? DEFAULT_KEEPALIVE.countMax },
    exitOnForwardFailure: v.exitOnForwardFailure,
    holdClientsSec: v.holdClientsSec ?? DEFAULT_HOLD_CLIENTS_SEC,
    unknownHostKey: v.unknownHostKey,
    autostart: v.autostart,
  };
}

// ---- the drawer ----

/**
 * Create or edit a tunnel profile. Checks every field before saving; the service's refusals show
 * here too. `init` stays set while the drawer slides out; `onClosed` says when it is gone.
 */
export function TunnelFormDrawer({ init, open, onClose, onClosed }: { init: TunnelFormInit | null; open: boolean; onClose(): void; onClosed(): void }) {
  const { t } = useTranslation();
  return (
    <Drawer
      open={open && init !== null}
      onClose={onClose}
      afterOpenChange={(visible) => {
        if (!visible) onClosed();
      }}
      size={820}
      destroyOnHidden
      title={init?.mode === 'edit' ? t('tunnels.form.editTitle', { name: init.base?.name ?? '' }) : t('tunnels.form.createTitle')}
      classNames={{ body: 'drover-tunnel-form-body' }}
    >
      {init && <TunnelFormBody init={init} onClose={onClose} />}
    </Drawer>
  );
}

function TunnelFormBody({ init, onClose }: { init: TunnelFormInit; onClose(): void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<TunnelFormValues>();
  const save = useTunnelsStore((s) => s.save);
  const status = useTunnelsStore((s) => (init.base ? s.statuses[init.base.id] : undefined));
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<ErrorData | null>(null);

  const submit = async () => {
    if (saving) return;
    setServerError(null);
    try {
      await form.validateFields({ recursive: true });
    } catch {
      return; // antd marks the fields and scrolls to the first
    }
    const profile = valuesToProfile(form.getFieldsValue(true) as TunnelFormValues, init.base);
    const parsed = TunnelProfileSchema.safeParse(profile);
    if (!parsed.success) {
      // A rule the fields did not catch: the schema's own words, at the field when it has one.
      form.setFields(parsed.error.issues.filter((i) => i.path.length > 1).map((i) => ({ name: i.path as never, errors: [i.message] })));
      setServerError({ code: 'INVALID_INPUT', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return;
    }
    setSaving(true);
    const result = await save(parsed.data);
    setSaving(false);
    if (result.ok) {
      onClose();
      return;
    }
    const e = result.error;
    setServerError({ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
    const forwardId = e.details?.forwardId;
    if (typeof forwardId === 'string') {
      const index = profile.forwards.findIndex((f) => f.id === forwardId);
      if (index >= 0) form.setFields([{ name: ['forwards', index, 'bindAddress'] as never, errors: [e.message] }]);
    }
  };

  const running = status !== undefined && isRunningState(status.state) && init.mode === 'edit';
  return (
    <div data-testid="tunnel-form" className="drover-tunnel-form">
      {init.note && <Alert type="info" showIcon title={init.note} style={{ marginBottom: 12 }} data-testid="tunnel-form-note" />}
      {running && <Alert type="warning" showIcon title={t('tunnels.form.restartNote')} style={{ marginBottom: 12 }} data-testid="tunnel-form-restart-note" />}
      {serverError && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="tunnel-form-error"
          data-code={serverError.code}
          title={
            <span>
              {t(`errors.${serverError.code}.title`)}: <span className="drover-mono">{serverError.message}</span>
            </span>
          }
          description={serverError.hint}
        />
      )}
      <Form<TunnelFormValues>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={init.values}
        onFinish={() => void submit()}
        autoComplete="off"
        scrollToFirstError
      >
        <TunnelFormFields form={form} />
        {/* Enter in a field submits. */}
        <button type="submit" hidden />
      </Form>
      <Flex justify="flex-end" gap={8} className="drover-drawer-footer">
        <Button onClick={onClose} data-testid="tunnel-form-cancel">
          {t('tunnels.form.cancel')}
        </Button>
        <Button type="primary" loading={saving} onClick={() => void submit()} data-testid="tunnel-form-save">
          {init.mode === 'edit' ? t('tunnels.form.save') : t('tunnels.form.create')}
        </Button>
      </Flex>
    </div>
  );
}

function TunnelFormFields({ form }: { form: FormInstance<TunnelFormValues> }) {
  const { t } = useTranslation();
  const hostRules: Rule[] = [
    { required: true, whitespace: true, message: t('tunnels.form.required') },
    { max: 253, message: t('tunnels.form.tooLong') },
    { pattern: HOST_PATTERN, message: t('tunnels.form.badHost') },
  ];
  const userRules: Rule[] = [
    { required: true, whitespace: true, message: t('tunnels.form.required') },
    { max: 64, message: t('tunnels.form.tooLong') },
    { pattern: USER_PATTERN, message: t('tunnels.form.badUser') },
  ];
  const portRules: Rule[] = [{ required: true, message: t('tunnels.form.required') }, rangeRule(1, 65535, t)];

  return (
    <>
      <Form.Item
        name="name"
        label={t('tunnels.form.name')}
        rules={[
          { required: true, whitespace: true, message: t('tunnels.form.required') },
          { max: 128, message: t('tunnels.form.tooLong') },
        ]}
      >
        <Input placeholder={t('tunnels.form.namePlaceholder')} data-testid="tunnel-form-name" autoFocus />
      </Form.Item>

      <Divider titlePlacement="start" plain className="drover-form-divider">
        {t('tunnels.form.target')}
      </Divider>
      <div className="drover-hop-grid">
        <Form.Item name={['target', 'user']} label={t('tunnels.form.user')} rules={userRules}>
          <Input placeholder="root" data-testid="tunnel-form-user" />
        </Form.Item>
        <span className="drover-hop-sep">@</span>
        <Form.Item name={['target', 'host']} label={t('tunnels.form.host')} rules={hostRules}>
          <Input placeholder="10.0.0.5" data-testid="tunnel-form-host" />
        </Form.Item>
        <span className="drover-hop-sep">:</span>
        <Form.Item name={['target', 'port']} label={t('tunnels.form.port')} rules={portRules}>
          <InputNumber precision={0} style={{ width: '100%' }} data-testid="tunnel-form-port" />
        </Form.Item>
      </div>
      <Flex gap={16} align="flex-start" wrap>
        <Form.Item name={['target', 'identityFiles']} label={t('tunnels.form.identityFiles')} extra={t('tunnels.form.identityFilesHelp')} style={{ flex: 1, minWidth: 320 }}>
          <Select mode="tags" open={false} suffixIcon={null} placeholder="~/.ssh/id_ed25519" tokenSeparators={[' ', ',']} data-testid="tunnel-form-identity" />
        </Form.Item>
        <Form.Item name={['target', 'useAgent']} valuePropName="checked" label=" " extra={t('tunnels.form.useAgentHelp')}>
          <Checkbox data-testid="tunnel-form-agent">{t('tunnels.form.useAgent')}</Checkbox>
        </Form.Item>
      </Flex>

      <Divider titlePlacement="start" plain className="drover-form-divider">
        {t('tunnels.form.jumps')}
      </Divider>
      <JumpList />

      <Divider titlePlacement="start" plain className="drover-form-divider">
        {t('tunnels.form.forwards')}
      </Divider>
      <ForwardList form={form} />

      <Divider titlePlacement="start" plain className="drover-form-divider">
        {t('tunnels.form.options')}
      </Divider>
      <Flex gap={16} wrap align="flex-start">
        <Form.Item
          name={['keepalive', 'intervalSec']}
          label={t('tunnels.form.keepaliveInterval')}
          rules={[{ required: true, message: t('tunnels.form.required') }, rangeRule(1, 600, t)]}
          extra={t('tunnels.form.keepaliveIntervalHelp')}
          style={{ width: 230 }}
        >
          <InputNumber precision={0} suffix="s" style={{ width: 120 }} data-testid="tunnel-form-keepalive-interval" />
        </Form.Item>
        <Form.Item
          name={['keepalive', 'countMax']}
          label={t('tunnels.form.keepaliveCount')}
          rules={[{ required: true, message: t('tunnels.form.required') }, rangeRule(1, 100, t)]}
          extra={t('tunnels.form.keepaliveCountHelp')}
          style={{ width: 230 }}
        >
          <InputNumber precision={0} style={{ width: 120 }} data-testid="tunnel-form-keepalive-count" />
        </Form.Item>
        <Form.Item name="exitOnForwardFailure" valuePropName="checked" label={t('tunnels.form.exitOnForwardFailure')} extra={t('tunnels.form.exitOnForwardFailureHelp')} style={{ width: 260 }}>
          <Switch data-testid="tunnel-form-exit-on-failure" />
        </Form.Item>
        <Form.Item
          name="holdClientsSec"
          label={t('tunnels.form.holdClients')}
          rules={[{ required: true, message: t('tunnels.form.required') }, rangeRule(0, 120, t)]}
          extra={t('tunnels.form.holdClientsHelp')}
          style={{ width: 260 }}
        >
          <InputNumber precision={0} suffix="s" style={{ width: 120 }} data-testid="tunnel-form-hold-clients" />
        </Form.Item>
      </Flex>
      <Form.Item name="unknownHostKey" label={t('tunnels.form.unknownHostKey')} extra={<UnknownHostKeyHelp />}>
        <Radio.Group
          optionType="button"
          data-testid="tunnel-form-hostkey-policy"
          options={[
            { value: 'ask', label: t('tunnels.policy.ask') },
            { value: 'accept-new', label: t('tunnels.policy.accept-new') },
            { value: 'refuse', label: t('tunnels.policy.refuse') },
          ]}
        />
      </Form.Item>
      <Form.Item name="autostart" valuePropName="checked" extra={t('tunnels.form.autostartHelp')}>
        <Checkbox data-testid="tunnel-form-autostart">{t('tunnels.form.autostart')}</Checkbox>
      </Form.Item>
    </>
  );
}

function UnknownHostKeyHelp() {
  const { t } = useTranslation();
  const policy = Form.useWatch<TunnelProfile['unknownHostKey']>('unknownHostKey');
  return <span>{t(`tunnels.policyHelp.${policy ?? 'ask'}`)}</span>;
}

function JumpList() {
  const { t } = useTranslation();
  return (
    <Form.List name="jumps">
      {(fields, { add, remove, move }) => (
        <div className="drover-jump-list" data-testid="tunnel-form-jumps">
          {fields.length === 0 && <Typography.Paragraph type="secondary">{t('tunnels.form.noJumps')}</Typography.Paragraph>}
          {fields.map((field, index) => (
            <div key={field.key} className="drover-jump-row" data-testid="tunnel-form-jump">
              <span className="drover-jump-index">{index + 1}</span>
              <Form.Item name={[field.name, 'user']} rules={[{ required: true, whitespace: true, message: t('tunnels.form.required') }, { pattern: USER_PATTERN, message: t('tunnels.form.badUser') }]}>
                <Input placeholder={t('tunnels.form.user')} aria-label={t('tunnels.form.user')} />
              </Form.Item>
              <span className="drover-hop-sep">@</span>
              <Form.Item name={[field.name, 'host']} rules={[{ required: true, whitespace: true, message: t('tunnels.form.required') }, { pattern: HOST_PATTERN, message: t('tunnels.form.badHost') }]}>
                <Input placeholder={t('tunnels.form.host')} aria-label={t('tunnels.form.host')} />
              </Form.Item>
              <span className="drover-hop-sep">:</span>
              <Form.Item name={[field.name, 'port']} rules={[{ required: true, message: t('tunnels.form.required') }, rangeRule(1, 65535, t)]}>
                <InputNumber precision={0} style={{ width: '100%' }} aria-label={t('tunnels.form.port')} />
              </Form.Item>
              <Form.Item name={[field.name, 'identityFiles']}>
                <Select mode="tags" open={false} suffixIcon={null} placeholder={t('tunnels.form.identityFiles')} tokenSeparators={[' ', ',']} aria-label={t('tunnels.form.identityFiles')} />
              </Form.Item>
              <Flex gap={2}>
                <Tooltip title={t('tunnels.form.moveUp')}>
                  <Button type="text" size="small" icon={<ArrowUpOutlined aria-hidden />} disabled={index === 0} onClick={() => move(index, index - 1)} aria-label={t('tunnels.form.moveUp')} />
                </Tooltip>
                <Tooltip title={t('tunnels.form.moveDown')}>
                  <Button type="text" size="small" icon={<ArrowDownOutlined aria-hidden />} disabled={index === fields.length - 1} onClick={() => move(index, index + 1)} aria-label={t('tunnels.form.moveDown')} />
                </Tooltip>
                <Tooltip title={t('tunnels.form.removeJump')}>
                  <Button type="text" size="small" danger icon={<DeleteOutlined aria-hidden />} onClick={() => remove(field.name)} aria-label={t('tunnels.form.removeJump')} />
                </Tooltip>
              </Flex>
            </div>
          ))}
          {fields.length > 1 && <Typography.Paragraph type="secondary">{t('tunnels.form.jumpOrder')}</Typography.Paragraph>}
          <Button icon={<PlusOutlined aria-hidden />} onClick={() => add({ host: '', port: 22, user: '', identityFiles: [] })} disabled={fields.length >= 8} data-testid="tunnel-form-add-jump">
            {t('tunnels.form.addJump')}
          </Button>
        </div>
      )}
    </Form.List>
  );
}

function ForwardList({ form }: { form: FormInstance<TunnelFormValues> }) {
  const { t } = useTranslation();
  const nextId = () => {
    const ids = new Set(((form.getFieldValue('forwards') as ForwardValues[] | undefined) ?? []).map((f) => f.id));
    let n = ids.size + 1;
    while (ids.has(`f${n}`)) n++;
    return `f${n}`;
  };
  return (
    <Form.List
      name="forwards"
      rules={[
        {
          validator: async (_, value: ForwardValues[] | undefined) => {
            if (!value || value.length === 0) throw new Error(t('tunnels.form.needForward'));
          },
        },
      ]}
    >
      {(fields, { add, remove }, { errors }) => (
        <div className="drover-forward-list" data-testid="tunnel-form-forwards">
          <div className="drover-forward-grid drover-forward-grid-head">
            <span>{t('tunnels.form.kind')}</span>
            <span>{t('tunnels.form.bindAddress')}</span>
            <span>{t('tunnels.form.port')}</span>
            <span />
            <span>{t('tunnels.form.destHost')}</span>
            <span>{t('tunnels.form.port')}</span>
            <span>
              <Tooltip title={t('tunnels.form.probeHelp')}>{t('tunnels.form.probe')}</Tooltip>
            </span>
            <span />
          </div>
          {fields.map((field) => (
            <ForwardRow key={field.key} name={field.name} form={form} onRemove={fields.length > 1 ? () => remove(field.name) : undefined} />
          ))}
          <Form.ErrorList errors={errors} />
          <Button icon={<PlusOutlined aria-hidden />} onClick={() => add(emptyForward(nextId()))} disabled={fields.length >= 256} data-testid="tunnel-form-add-forward">
            {t('tunnels.form.addForward')}
          </Button>
        </div>
      )}
    </Form.List>
  );
}

function ForwardRow({ name, form, onRemove }: { name: number; form: FormInstance<TunnelFormValues>; onRemove: (() => void) | undefined }) {
  const { t } = useTranslation();
  const kind = Form.useWatch(['forwards', name, 'kind'], form) as ForwardValues['kind'] | undefined;
  const bindAddress = (Form.useWatch(['forwards', name, 'bindAddress'], form) as string | undefined) ?? '';
  const dynamic = kind === 'dynamic';
  const exposes = kind !== 'remote' && bindAddress.trim() !== '' && !isLoopbackAddress(bindAddress);
  const required = { required: true, message: t('tunnels.form.required') };

  const duplicateBind: Rule = {
    validator: async (_, port: number | null) => {
      if (!port || kind === 'remote') return;
      const all = (form.getFieldValue('forwards') as ForwardValues[]) ?? [];
      const clash = all.some((f, i) => i !== name && f.kind !== 'remote' && f.bindPort === port && f.bindAddress.trim() === bindAddress.trim());
      if (clash) throw new Error(t('tunnels.form.duplicateBind'));
    },
  };

  return (
    <div className="drover-forward-item" data-testid="tunnel-form-forward">
      <div className="drover-forward-grid">
        <Form.Item name={[name, 'kind']}>
          <Select
            aria-label={t('tunnels.form.kind')}
            data-testid="tunnel-form-forward-kind"
            options={[
              { value: 'local', label: t('tunnels.kind.local') },
              { value: 'remote', label: t('tunnels.kind.remote') },
              { value: 'dynamic', label: t('tunnels.kind.dynamic') },
            ]}
          />
        </Form.Item>
        <Form.Item name={[name, 'bindAddress']} rules={[required, { pattern: HOST_PATTERN, message: t('tunnels.form.badHost') }]}>
          <Input placeholder="127.0.0.1" aria-label={t('tunnels.form.bindAddress')} data-testid="tunnel-form-forward-bind-address" />
        </Form.Item>
        <Form.Item name={[name, 'bindPort']} rules={[required, rangeRule(0, 65535, t), duplicateBind]} dependencies={[['forwards', name, 'bindAddress']]}>
          <InputNumber precision={0} style={{ width: '100%' }} aria-label={t('tunnels.form.bindPort')} data-testid="tunnel-form-forward-bind-port" />
        </Form.Item>
        <span className="drover-hop-sep">→</span>
        {dynamic ? (
          <Typography.Text type="secondary" className="drover-forward-socks">
            {t('tunnels.form.socks')}
          </Typography.Text>
        ) : (
          <Form.Item name={[name, 'destHost']} rules={[required, { pattern: HOST_PATTERN, message: t('tunnels.form.badHost') }]}>
            <Input placeholder="127.0.0.1" aria-label={t('tunnels.form.destHost')} data-testid="tunnel-form-forward-dest-host" />
          </Form.Item>
        )}
        {!dynamic && (
          <Form.Item name={[name, 'destPort']} rules={[required, rangeRule(1, 65535, t)]}>
            <InputNumber precision={0} style={{ width: '100%' }} aria-label={t('tunnels.form.destPort')} data-testid="tunnel-form-forward-dest-port" />
          </Form.Item>
        )}
        {dynamic ? (
          <span /> // SOCKS destinations vary per client: nothing to probe
        ) : (
          <Form.Item name={[name, 'probeIntervalSec']} rules={[rangeRule(0, 3600, t)]}>
            <InputNumber precision={0} suffix="s" style={{ width: '100%' }} aria-label={t('tunnels.form.probe')} />
          </Form.Item>
        )}
        <Tooltip title={onRemove ? t('tunnels.form.removeForward') : t('tunnels.form.needForward')}>
          <Button type="text" danger icon={<DeleteOutlined aria-hidden />} onClick={onRemove} disabled={!onRemove} aria-label={t('tunnels.form.removeForward')} />
        </Tooltip>
      </div>
      {exposes && (
        <div className="drover-forward-lan">
          <Form.Item
            name={[name, 'allowLan']}
            valuePropName="checked"
            dependencies={[
              ['forwards', name, 'bindAddress'],
              ['forwards', name, 'kind'],
            ]}
            rules={[
              {
                validator: async (_, checked: boolean) => {
                  if (!checked) throw new Error(t('tunnels.form.lanRequired'));
                },
              },
            ]}
          >
            <Checkbox data-testid="tunnel-form-forward-lan">
              <WarningOutlined className="drover-lan-icon" /> {t('tunnels.form.exposeLan', { address: bindAddress })}
            </Checkbox>
          </Form.Item>
        </div>
      )}
    </div>
  );
}
