import type { AppError } from '@contract/errors';
import type { FleetHost, FleetHostDraft } from '@contract/fleet';
import type { Hop } from '@contract/ssh';
import { Alert, AutoComplete, Checkbox, Col, Form, Input, InputNumber, Modal, Row, Select, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatHopSpec, parseHopSpec } from '../terminal/hop-spec';
import { useFleetStore } from './fleet-hooks';
import { selectGroups } from './fleet-store';
import type { MachineFacts } from './fleet-links';

export interface HostFormValues {
  name: string;
  group: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string;
  useAgent: boolean;
  jumps: string;
  mac: string;
  ip: string;
  hostname: string;
  lotusWorker: string;
  tags: string[];
}

/** create: an empty form, or one filled in from what another page knows ("add to Fleet"). */
export type HostFormInit = { mode: 'create'; facts?: MachineFacts } | { mode: 'edit'; host: FleetHost };

function initialValues(init: HostFormInit): HostFormValues {
  if (init.mode === 'create') {
    const f = init.facts ?? {};
    const host = f.sshHost ?? f.ip ?? f.hostname ?? '';
    return { name: f.hostname ?? f.sshHost ?? f.lotusWorker ?? '', group: 'default', host, port: 22, user: 'root', identityFiles: '', useAgent: true, jumps: '', mac: f.mac ?? '', ip: f.ip ?? '', hostname: f.hostname ?? '', lotusWorker: f.lotusWorker ?? '', tags: [] };
  }
  const h = init.host;
  return {
    name: h.name,
    group: h.group,
    host: h.target.host,
    port: h.target.port,
    user: h.target.user,
    identityFiles: (h.target.identityFiles ?? []).join('\n'),
    useAgent: h.target.useAgent ?? true,
    jumps: h.jumps.map(formatHopSpec).join(', '),
    mac: h.mac ?? '',
    ip: h.ip ?? '',
    hostname: h.hostname ?? '',
    lotusWorker: h.lotusWorker ?? '',
    tags: h.tags,
  };
}

/** "a@j1:22, b@j2" → hops, or the first spec that is not one. */
export function parseJumps(text: string): { ok: true; jumps: Hop[] } | { ok: false; bad: string } {
  const jumps: Hop[] = [];
  for (const spec of text.split(/[,\s]+/).filter(Boolean)) {
    const hop = parseHopSpec(spec);
    if (!hop) return { ok: false, bad: spec };
    jumps.push(hop);
  }
  return { ok: true, jumps };
}

export function valuesToDraft(v: HostFormValues, id: string | undefined): FleetHostDraft | { bad: string } {
  const jumps = parseJumps(v.jumps);
  if (!jumps.ok) return { bad: jumps.bad };
  const files = v.identityFiles
    .split(/\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  const target: Hop = { host: v.host.trim(), port: v.port, user: v.user.trim(), ...(files.length ? { identityFiles: files } : {}), ...(v.useAgent ? {} : { useAgent: false }) };
  const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
  return {
    ...(id ? { id } : {}),
    name: v.name.trim() || v.host.trim(),
    group: v.group.trim() || 'default',
    target,
    jumps: jumps.jumps,
    ...(opt(v.mac) ? { mac: opt(v.mac) } : {}),
    ...(opt(v.ip) ? { ip: opt(v.ip) } : {}),
    ...(opt(v.hostname) ? { hostname: opt(v.hostname) } : {}),
    ...(opt(v.lotusWorker) ? { lotusWorker: opt(v.lotusWorker) } : {}),
    tags: v.tags,
  };
}

/** Adding or editing one host by hand: how to reach it (SSH target, jumps) and what identifies it (MAC, IP, host name, lotus worker). */
export function HostFormModal({ init, onClose, onSaved }: { init: HostFormInit | null; onClose(): void; onSaved(host: FleetHost): void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<HostFormValues>();
  const groups = useFleetStore(selectGroups);
  const saveHost = useFleetStore((s) => s.saveHost);
  const fresh = useFleetStore((s) => s.live.fresh);
  const [saving, setSaving] = useState(false);
  // An error belongs to the form it happened in: opening the form again starts clean.
  const [failure, setFailure] = useState<{ init: HostFormInit; error: AppError } | null>(null);
  const error = failure && failure.init === init ? failure.error : null;

  useEffect(() => {
    if (init) form.setFieldsValue(initialValues(init));
  }, [init, form]);

  const submit = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v || !init) return;
    const draft = valuesToDraft(v, init.mode === 'edit' ? init.host.id : undefined);
    if ('bad' in draft) {
      form.setFields([{ name: 'jumps', errors: [t('fleet.form.badJump', { spec: draft.bad })] }]);
      return;
    }
    setSaving(true);
    const r = await saveHost(draft);
    setSaving(false);
    if (r.ok) {
      onSaved(r.value);
      onClose();
    } else setFailure({ init, error: r.error });
  };

  return (
    <Modal
      open={init !== null}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={init?.mode === 'edit' ? t('fleet.form.save') : t('fleet.form.add')}
      okButtonProps={{ loading: saving, disabled: !fresh, ...({ 'data-testid': 'fleet-form-save' } as Record<string, string>) }}
      width={760}
      title={init?.mode === 'edit' ? t('fleet.form.editTitle', { name: init.host.name }) : t('fleet.form.addTitle')}
      destroyOnHidden
      forceRender
    >
      <Form form={form} layout="vertical" requiredMark="optional" data-testid="fleet-host-form" data-shortcuts="off">
        <Row gutter={12}>
          <Col span={14}>
            <Form.Item name="name" label={t('fleet.form.name')} extra={t('fleet.form.nameHelp')}>
              <Input data-testid="fleet-form-name" />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item name="group" label={t('fleet.form.group')} rules={[{ required: true }]}>
              <AutoComplete options={Object.keys(groups).map((g) => ({ value: g }))} data-testid="fleet-form-group" />
            </Form.Item>
          </Col>
        </Row>
        <Typography.Text strong>{t('fleet.form.reach')}</Typography.Text>
        <Row gutter={12} style={{ marginTop: 8 }}>
          <Col span={6}>
            <Form.Item name="user" label={t('fleet.form.user')} rules={[{ required: true, pattern: /^[A-Za-z0-9._][A-Za-z0-9._@-]*$/, message: t('fleet.form.badUser') }]}>
              <Input data-testid="fleet-form-user" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="host" label={t('fleet.form.host')} rules={[{ required: true, pattern: /^[A-Za-z0-9._:%[\]-]+$/, message: t('fleet.form.badHost') }]}>
              <Input className="drover-mono" placeholder="10.30.5.46" data-testid="fleet-form-host" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="port" label={t('fleet.form.port')} rules={[{ required: true }]}>
              <InputNumber min={1} max={65535} style={{ width: '100%' }} data-testid="fleet-form-port" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={14}>
            <Form.Item name="identityFiles" label={t('fleet.form.identityFiles')} extra={t('fleet.form.identityHelp')}>
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 3 }} className="drover-mono" placeholder="~/.ssh/id_ed25519" data-testid="fleet-form-identity" />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item name="jumps" label={t('fleet.form.jumps')} extra={t('fleet.form.jumpsHelp')}>
              <Input className="drover-mono" placeholder="ops@gw.farm:22" data-testid="fleet-form-jumps" />
            </Form.Item>
            <Form.Item name="useAgent" valuePropName="checked" style={{ marginTop: -8 }}>
              <Checkbox>{t('fleet.form.useAgent')}</Checkbox>
            </Form.Item>
          </Col>
        </Row>
        <Typography.Text strong>{t('fleet.form.identity')}</Typography.Text>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
          {t('fleet.form.identityIntro')}
        </Typography.Paragraph>
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="mac" label={t('fleet.form.mac')}>
              <Input className="drover-mono" placeholder="52:54:00:a1:9c:ae" data-testid="fleet-form-mac" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="ip" label={t('fleet.form.ip')}>
              <Input className="drover-mono" placeholder="10.30.5.46" data-testid="fleet-form-ip" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="hostname" label={t('fleet.form.hostname')} extra={t('fleet.form.hostnameHelp')}>
              <Input className="drover-mono" data-testid="fleet-form-hostname" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="lotusWorker" label={t('fleet.form.lotusWorker')} extra={t('fleet.form.lotusWorkerHelp')}>
              <Input className="drover-mono" />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item name="tags" label={t('fleet.form.tags')}>
              <Select mode="tags" tokenSeparators={[',', ' ']} open={false} suffixIcon={null} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
      {error && <Alert type="error" showIcon data-testid="fleet-form-error" title={t('fleet.form.failed')} description={<ErrorDetails error={error} action="fleetSaveHost" />} />}
    </Modal>
  );
}
