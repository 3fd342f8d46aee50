import { DeleteOutlined, EditOutlined, PlusOutlined, WarningOutlined } from '@ant-design/icons';
import type { AppError } from '@contract/errors';
import { ALERT_THRESHOLD_METRICS, FLEET_GROUP_KINDS, type AlertRule, type FleetGroup, type FleetProbeSettings, type FleetSyslogSettings } from '@contract/fleet';
import { isLoopbackAddress } from '@contract/net-address';
import { Alert, App, Button, Card, Checkbox, Col, Flex, Form, Input, InputNumber, Modal, Row, Select, Switch, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { metricLabelKey } from './alert-text';
import { useFleetStore } from './fleet-hooks';
import { selectGroups, selectRules, selectService } from './fleet-store';

function SaveError({ error }: { error: AppError | null }) {
  const { t } = useTranslation();
  return error ? <Alert type="error" showIcon style={{ marginTop: 8 }} title={t('fleet.settings.failed')} description={<ErrorDetails error={error} action="fleetSaveSettings" />} /> : null;
}

function ProbeSettingsCard() {
  const { t } = useTranslation();
  const service = useFleetStore(selectService);
  const update = useFleetStore((s) => s.updateSettings);
  const fresh = useFleetStore((s) => s.live.fresh);
  const [form] = Form.useForm<FleetProbeSettings>();
  const [error, setError] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);
  const current = service?.settings.probe;
  useEffect(() => {
    if (current) form.setFieldsValue(current);
  }, [current, form]);
  const save = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return;
    setSaving(true);
    const r = await update({ probe: v });
    setSaving(false);
    setError(r.ok ? null : r.error);
  };
  return (
    <Card size="small" title={t('fleet.settings.probes')} data-testid="fleet-settings-probe">
      <Form form={form} layout="vertical" data-shortcuts="off">
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name="enabled" label={t('fleet.settings.probeEnabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="intervalSec" label={t('fleet.settings.interval')} extra={t('fleet.settings.intervalHelp')}>
              <InputNumber min={2} max={3600} addonAfter="s" data-testid="fleet-settings-interval" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="concurrency" label={t('fleet.settings.concurrency')} extra={t('fleet.settings.concurrencyHelp')}>
              <InputNumber min={1} max={256} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="timeoutSec" label={t('fleet.settings.timeout')}>
              <InputNumber min={2} max={600} addonAfter="s" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name="downAfterMissed" label={t('fleet.settings.downAfter')} extra={t('fleet.settings.downAfterHelp')}>
              <InputNumber min={1} max={100} data-testid="fleet-settings-down-after" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="sectionTimeoutSec" label={t('fleet.settings.sectionTimeout')}>
              <InputNumber min={1} max={120} addonAfter="s" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="smartEverySec" label={t('fleet.settings.smart')} extra={t('fleet.settings.smartHelp')}>
              <InputNumber min={0} max={86400} addonAfter="s" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="historyMinutes" label={t('fleet.settings.history')} extra={t('fleet.settings.historyHelp')}>
              <InputNumber min={5} max={1440} addonAfter="min" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="unknownHostKey" label={t('fleet.settings.hostKeys')} extra={t('fleet.settings.hostKeysHelp')}>
          <Select style={{ maxWidth: 360 }} options={(['ask', 'accept-new', 'refuse'] as const).map((v) => ({ value: v, label: t(`fleet.settings.hostKey.${v}`) }))} />
        </Form.Item>
        <Button type="primary" onClick={() => void save()} loading={saving} disabled={!fresh} data-testid="fleet-settings-probe-save">
          {t('fleet.settings.save')}
        </Button>
        <SaveError error={error} />
      </Form>
    </Card>
  );
}

function SyslogSettingsCard() {
  const { t } = useTranslation();
  const service = useFleetStore(selectService);
  const update = useFleetStore((s) => s.updateSettings);
  const fresh = useFleetStore((s) => s.live.fresh);
  const { modal } = App.useApp();
  const [form] = Form.useForm<Omit<FleetSyslogSettings, 'port'> & { port: number | null; auto: boolean }>();
  const [error, setError] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);
  const current = service?.settings.syslog;
  const host = Form.useWatch('host', form);
  useEffect(() => {
    if (current) form.setFieldsValue({ ...current, port: current.port === 'auto' ? null : current.port, auto: current.port === 'auto' });
  }, [current, form]);
  const save = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return;
    const { auto, ...rest } = v;
    const patch: Partial<FleetSyslogSettings> = { ...rest, port: auto || rest.port === null ? 'auto' : rest.port };
    const go = async () => {
      setSaving(true);
      const r = await update({ syslog: patch });
      setSaving(false);
      setError(r.ok ? null : r.error);
    };
    // Listening beyond this machine is a choice, like the web host's --allow-remote.
    if (patch.enabled && patch.host && !isLoopbackAddress(patch.host) && (current === undefined || isLoopbackAddress(current.host))) {
      modal.confirm({ title: t('fleet.settings.exposeTitle', { host: patch.host }), content: t('fleet.settings.exposeBody'), okText: t('fleet.settings.exposeOk'), onOk: go });
    } else await go();
  };
  return (
    <Card size="small" title={t('fleet.settings.syslog')} data-testid="fleet-settings-syslog">
      <Form form={form} layout="vertical" data-shortcuts="off">
        <Row gutter={12}>
          <Col span={4}>
            <Form.Item name="enabled" label={t('fleet.settings.syslogEnabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="host" label={t('fleet.settings.address')} extra={t('fleet.settings.addressHelp')} rules={[{ required: true, pattern: /^[0-9A-Fa-f.:]+$/ }]}>
              <Input className="drover-mono" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="port" label={t('fleet.settings.port')}>
              <InputNumber min={1} max={65535} style={{ width: '100%' }} data-testid="fleet-settings-syslog-port" />
            </Form.Item>
            <Form.Item name="auto" valuePropName="checked" style={{ marginTop: -12 }}>
              <Checkbox>{t('fleet.settings.portAuto')}</Checkbox>
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item label={t('fleet.settings.transports')}>
              <Flex gap={8}>
                <Form.Item name="udp" valuePropName="checked" noStyle>
                  <Checkbox>UDP</Checkbox>
                </Form.Item>
                <Form.Item name="tcp" valuePropName="checked" noStyle>
                  <Checkbox>TCP</Checkbox>
                </Form.Item>
              </Flex>
            </Form.Item>
          </Col>
        </Row>
        {host && !isLoopbackAddress(host) && <Alert type="warning" showIcon icon={<WarningOutlined />} style={{ marginBottom: 12 }} title={t('fleet.settings.exposeWarning', { host })} />}
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name="maxMessages" label={t('fleet.settings.maxMessages')}>
              <InputNumber min={100} max={1_000_000} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="maxMiB" label={t('fleet.settings.maxMiB')}>
              <InputNumber min={1} max={1024} addonAfter="MiB" />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" onClick={() => void save()} loading={saving} disabled={!fresh} data-testid="fleet-settings-syslog-save">
          {t('fleet.settings.save')}
        </Button>
        <SaveError error={error} />
      </Form>
    </Card>
  );
}

function GroupsCard() {
  const { t } = useTranslation();
  const groups = useFleetStore(selectGroups);
  const hosts = useFleetStore((s) => s.hosts);
  const saveGroup = useFleetStore((s) => s.saveGroup);
  const removeGroup = useFleetStore((s) => s.removeGroup);
  const fresh = useFleetStore((s) => s.live.fresh);
  const { modal } = App.useApp();
  const [editing, setEditing] = useState<FleetGroup | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [form] = Form.useForm<FleetGroup>();
  const count = (name: string) => Object.values(hosts).filter((h) => h.host.group === name).length;
  useEffect(() => {
    if (editing) form.setFieldsValue(editing);
  }, [editing, form]);
  const edit = (next: typeof editing) => {
    setError(null);
    setEditing(next);
  };
  const save = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return;
    const r = await saveGroup(v);
    if (r.ok) setEditing(null);
    else setError(r.error);
  };
  return (
    <Card
      size="small"
      title={t('fleet.settings.groups')}
      extra={
        <Button size="small" icon={<PlusOutlined />} disabled={!fresh} onClick={() => edit({ name: '', kind: 'other', description: '' })}>
          {t('fleet.settings.addGroup')}
        </Button>
      }
    >
      <Table<FleetGroup>
        size="small"
        pagination={false}
        rowKey="name"
        dataSource={Object.values(groups)}
        columns={[
          { key: 'name', title: t('fleet.settings.groupName'), render: (_, g) => <Typography.Text strong>{g.name}</Typography.Text> },
          { key: 'kind', title: t('fleet.settings.groupKind'), render: (_, g) => <Tag>{t(`fleet.groupKind.${g.kind}`)}</Tag> },
          { key: 'desc', title: t('fleet.settings.groupDescription'), render: (_, g) => g.description },
          { key: 'hosts', title: t('fleet.settings.groupHosts'), width: 80, render: (_, g) => count(g.name) },
          {
            key: 'x',
            width: 90,
            render: (_, g) => (
              <Flex gap={4}>
                <Button size="small" type="text" icon={<EditOutlined />} disabled={!fresh} onClick={() => edit(g)} aria-label={t('fleet.actions.edit')} />
                <Button
                  size="small"
                  type="text"
                  danger
                  icon={<DeleteOutlined />}
                  disabled={!fresh}
                  aria-label={t('fleet.actions.remove')}
                  onClick={() =>
                    modal.confirm({
                      title: t('fleet.settings.removeGroupTitle', { name: g.name }),
                      content: count(g.name) > 0 ? t('fleet.settings.removeGroupHosts', { count: count(g.name) }) : t('fleet.settings.removeGroupBody'),
                      okButtonProps: { danger: true },
                      okText: t('fleet.actions.remove'),
                      onOk: () => removeGroup(g.name),
                    })
                  }
                />
              </Flex>
            ),
          },
        ]}
      />
      <Modal open={editing !== null} onCancel={() => setEditing(null)} onOk={() => void save()} title={t('fleet.settings.groupTitle')} destroyOnHidden forceRender>
        <Form form={form} layout="vertical" data-shortcuts="off">
          <Form.Item name="name" label={t('fleet.settings.groupName')} rules={[{ required: true, pattern: /^\S(.*\S)?$/ }]}>
            <Input disabled={editing !== null && editing.name !== '' && groups[editing.name] !== undefined} />
          </Form.Item>
          <Form.Item name="kind" label={t('fleet.settings.groupKind')}>
            <Select options={FLEET_GROUP_KINDS.map((k) => ({ value: k, label: t(`fleet.groupKind.${k}`) }))} />
          </Form.Item>
          <Form.Item name="description" label={t('fleet.settings.groupDescription')}>
            <Input />
          </Form.Item>
        </Form>
        <SaveError error={error} />
      </Modal>
    </Card>
  );
}

type RuleForm = { id: string; group: string; metric: AlertRule['metric']; comparator: 'above' | 'below'; threshold: number; clearThreshold: number; forSec: number; missedProbes: number; severity: 'warning' | 'critical'; enabled: boolean };

function ruleToForm(r: AlertRule): RuleForm {
  return r.metric === 'host.down'
    ? { id: r.id, group: r.group, metric: r.metric, comparator: 'above', threshold: 0, clearThreshold: 0, forSec: 0, missedProbes: r.missedProbes, severity: r.severity, enabled: r.enabled }
    : { id: r.id, group: r.group, metric: r.metric, comparator: r.comparator, threshold: r.threshold, clearThreshold: r.clearThreshold, forSec: r.forSec, missedProbes: 3, severity: r.severity, enabled: r.enabled };
}

function formToRule(f: RuleForm): AlertRule {
  return f.metric === 'host.down'
    ? { id: f.id, group: f.group, metric: 'host.down', missedProbes: f.missedProbes, severity: f.severity, enabled: f.enabled }
    : { id: f.id, group: f.group, metric: f.metric, comparator: f.comparator, threshold: f.threshold, clearThreshold: f.clearThreshold, forSec: f.forSec, severity: f.severity, enabled: f.enabled };
}

export function describeRule(r: AlertRule, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (r.metric === 'host.down') return t('fleet.rules.down', { n: r.missedProbes });
  return t('fleet.rules.threshold', { metric: t(metricLabelKey(r.metric)), dir: t(`fleet.rules.${r.comparator}`), threshold: r.threshold, clear: r.clearThreshold, forSec: r.forSec });
}

function RulesCard() {
  const { t } = useTranslation();
  const rules = useFleetStore(selectRules);
  const groups = useFleetStore(selectGroups);
  const saveRule = useFleetStore((s) => s.saveRule);
  const removeRule = useFleetStore((s) => s.removeRule);
  const fresh = useFleetStore((s) => s.live.fresh);
  const { modal } = App.useApp();
  const [editing, setEditing] = useState<RuleForm | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [form] = Form.useForm<RuleForm>();
  const metric = Form.useWatch('metric', form);
  useEffect(() => {
    if (editing) form.setFieldsValue(editing);
  }, [editing, form]);
  const edit = (next: typeof editing) => {
    setError(null);
    setEditing(next);
  };
  const save = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return;
    const r = await saveRule(formToRule(v));
    if (r.ok) setEditing(null);
    else setError(r.error);
  };
  const tt = t as unknown as (k: string, o?: Record<string, unknown>) => string;
  return (
    <Card
      size="small"
      title={t('fleet.settings.rules')}
      extra={
        <Button size="small" icon={<PlusOutlined />} disabled={!fresh} onClick={() => edit({ id: `rule-${Date.now().toString(36)}`, group: '*', metric: 'gpu.temperatureC', comparator: 'above', threshold: 85, clearThreshold: 80, forSec: 60, missedProbes: 3, severity: 'warning', enabled: true })}>
          {t('fleet.settings.addRule')}
        </Button>
      }
      data-testid="fleet-settings-rules"
    >
      <Typography.Paragraph type="secondary">{t('fleet.settings.rulesIntro')}</Typography.Paragraph>
      <Table<AlertRule>
        size="small"
        pagination={false}
        rowKey="id"
        dataSource={rules as AlertRule[]}
        columns={[
          { key: 'group', title: t('fleet.form.group'), width: 130, render: (_, r) => <Tag>{r.group === '*' ? t('fleet.rules.everyGroup') : r.group}</Tag> },
          { key: 'what', title: t('fleet.rules.condition'), render: (_, r) => describeRule(r, tt) },
          { key: 'sev', title: t('fleet.alerts.severity'), width: 100, render: (_, r) => <Tag color={r.severity === 'critical' ? 'error' : 'warning'}>{t(`fleet.severity.${r.severity}`)}</Tag> },
          { key: 'on', title: t('fleet.rules.enabled'), width: 80, render: (_, r) => (r.enabled ? t('fleet.rules.on') : t('fleet.rules.off')) },
          {
            key: 'x',
            width: 90,
            render: (_, r) => (
              <Flex gap={4}>
                <Button size="small" type="text" icon={<EditOutlined />} disabled={!fresh} onClick={() => edit(ruleToForm(r))} aria-label={t('fleet.actions.edit')} />
                <Button
                  size="small"
                  type="text"
                  danger
                  icon={<DeleteOutlined />}
                  disabled={!fresh}
                  aria-label={t('fleet.actions.remove')}
                  onClick={() => modal.confirm({ title: t('fleet.settings.removeRuleTitle', { rule: describeRule(r, tt) }), content: t('fleet.settings.removeRuleBody'), okButtonProps: { danger: true }, okText: t('fleet.actions.remove'), onOk: () => removeRule(r.id) })}
                />
              </Flex>
            ),
          },
        ]}
      />
      <Modal open={editing !== null} onCancel={() => setEditing(null)} onOk={() => void save()} title={t('fleet.settings.ruleTitle')} width={640} destroyOnHidden forceRender>
        <Form form={form} layout="vertical" data-shortcuts="off">
          <Form.Item name="id" hidden>
            <Input />
          </Form.Item>
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item name="group" label={t('fleet.form.group')}>
                <Select options={[{ value: '*', label: t('fleet.rules.everyGroup') }, ...Object.keys(groups).map((g) => ({ value: g, label: g }))]} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="metric" label={t('fleet.rules.metric')}>
                <Select options={[...ALERT_THRESHOLD_METRICS, 'host.down' as const].map((m) => ({ value: m, label: t(metricLabelKey(m)) }))} />
              </Form.Item>
            </Col>
          </Row>
          {metric === 'host.down' ? (
            <Form.Item name="missedProbes" label={t('fleet.rules.missed')}>
              <InputNumber min={1} max={1000} />
            </Form.Item>
          ) : (
            <Row gutter={12}>
              <Col span={6}>
                <Form.Item name="comparator" label={t('fleet.rules.when')}>
                  <Select options={[{ value: 'above', label: t('fleet.rules.above') }, { value: 'below', label: t('fleet.rules.below') }]} />
                </Form.Item>
              </Col>
              <Col span={6}>
                <Form.Item name="threshold" label={t('fleet.rules.thresholdLabel')}>
                  <InputNumber style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={6}>
                <Form.Item name="clearThreshold" label={t('fleet.rules.clearLabel')} extra={t('fleet.rules.clearHelp')}>
                  <InputNumber style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col span={6}>
                <Form.Item name="forSec" label={t('fleet.rules.forLabel')}>
                  <InputNumber min={0} max={86400} addonAfter="s" style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>
          )}
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item name="severity" label={t('fleet.alerts.severity')}>
                <Select options={[{ value: 'warning', label: t('fleet.severity.warning') }, { value: 'critical', label: t('fleet.severity.critical') }]} />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="enabled" label={t('fleet.rules.enabled')} valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
          </Row>
        </Form>
        <SaveError error={error} />
      </Modal>
    </Card>
  );
}

/** Fleet settings: probes, the syslog receiver, groups and alert rules. */
export function FleetSettingsPanel() {
  const service = useFleetStore(selectService);
  const { t } = useTranslation();
  return (
    <Flex vertical gap={16} data-testid="fleet-settings">
      {service?.inventory.notPersistingReason && <Alert type="error" showIcon title={t('fleet.settings.notPersisting', { reason: service.inventory.notPersistingReason })} />}
      <Typography.Text type="secondary">{t('fleet.settings.file', { file: service?.inventory.file ?? '' })}</Typography.Text>
      <ProbeSettingsCard />
      <SyslogSettingsCard />
      <RulesCard />
      <GroupsCard />
    </Flex>
  );
}
