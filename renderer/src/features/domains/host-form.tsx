import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import type { DomainHostConfig, DomainHostSave } from '@contract/domains';
import type { Hop } from '@contract/ssh';
import { Alert, Button, Checkbox, Divider, Drawer, Flex, Form, Input, InputNumber, Select, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDomainsStoreApi } from './domains-hooks';

interface HopValues {
  user: string;
  host: string;
  port: number | null;
  identityFiles: string[];
  useAgent: boolean;
}

interface HostValues {
  name: string;
  target: HopValues;
  jumps: HopValues[];
  uri: string;
  pollIntervalSec: number | null;
}

const HOST_PATTERN = /^[A-Za-z0-9._:%[\]-]+$/;
const USER_PATTERN = /^[A-Za-z0-9._][A-Za-z0-9._@-]*$/;
const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*$/;

export const DEFAULT_URI = 'qemu:///system';

function hopValues(h?: Hop): HopValues {
  return { user: h?.user ?? 'root', host: h?.host ?? '', port: h?.port ?? 22, identityFiles: h?.identityFiles ? [...h.identityFiles] : [], useAgent: h?.useAgent ?? true };
}

function toHop(v: HopValues): Hop {
  return {
    user: v.user.trim(),
    host: v.host.trim(),
    port: v.port ?? 22,
    ...(v.identityFiles.length ? { identityFiles: v.identityFiles.map((f) => f.trim()).filter(Boolean) } : {}),
    ...(v.useAgent ? {} : { useAgent: false }),
  };
}

export function hostToValues(h: DomainHostConfig | null): HostValues {
  return {
    name: h?.name ?? '',
    target: hopValues(h?.target),
    jumps: (h?.jumps ?? []).map(hopValues),
    uri: h?.uri ?? DEFAULT_URI,
    pollIntervalSec: h?.pollIntervalSec ?? 5,
  };
}

/** A host to add (base null) or to edit. */
export interface HostFormInit {
  readonly base: DomainHostConfig | null;
}

/** Adding or editing a KVM host: its SSH login (and jump hosts), its libvirt URI, how often it is polled. */
export function HostFormDrawer({ init, onClose, onSaved }: { init: HostFormInit | null; onClose(): void; onSaved(host: DomainHostConfig): void }) {
  const { t } = useTranslation();
  const store = useDomainsStoreApi();
  const [form] = Form.useForm<HostValues>();
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const base = init?.base ?? null;

  const submit = async () => {
    setError(null);
    let v: HostValues;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const host: DomainHostSave = {
      ...(base ? { id: base.id } : {}),
      name: v.name.trim(),
      target: toHop(v.target),
      jumps: v.jumps.map(toHop),
      uri: v.uri.trim(),
      pollIntervalSec: v.pollIntervalSec ?? 5,
    };
    setSaving(true);
    const r = await store.getState().saveHost(host);
    setSaving(false);
    if (r.ok) {
      onSaved(r.host);
      onClose();
    } else setError(r.error.message);
  };

  const required = { required: true, message: t('domains.form.required') };
  const hostRules = [required, { pattern: HOST_PATTERN, message: t('domains.form.badHost') }];
  const userRules = [required, { pattern: USER_PATTERN, message: t('domains.form.badUser') }];

  const hopFields = (prefix: (string | number)[], testPrefix: string) => (
    <>
      <Flex gap={8} wrap>
        <Form.Item name={[...prefix, 'user']} label={t('domains.form.user')} rules={userRules} style={{ width: 140 }}>
          <Input data-testid={`${testPrefix}-user`} spellCheck={false} />
        </Form.Item>
        <Form.Item name={[...prefix, 'host']} label={t('domains.form.host')} rules={hostRules} style={{ flex: 1, minWidth: 180 }}>
          <Input data-testid={`${testPrefix}-host`} spellCheck={false} placeholder="kvm-01.farm.lan" />
        </Form.Item>
        <Form.Item name={[...prefix, 'port']} label={t('domains.form.port')} rules={[required]} style={{ width: 100 }}>
          <InputNumber data-testid={`${testPrefix}-port`} min={1} max={65535} style={{ width: '100%' }} />
        </Form.Item>
      </Flex>
      <Flex gap={8} wrap align="flex-end">
        <Form.Item name={[...prefix, 'identityFiles']} label={t('domains.form.identityFiles')} extra={t('domains.form.identityFilesHelp')} style={{ flex: 1, minWidth: 260 }}>
          <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',']} data-testid={`${testPrefix}-identity`} />
        </Form.Item>
        <Form.Item name={[...prefix, 'useAgent']} valuePropName="checked">
          <Checkbox>{t('domains.form.useAgent')}</Checkbox>
        </Form.Item>
      </Flex>
    </>
  );

  return (
    <Drawer
      open={init !== null}
      onClose={onClose}
      size={640}
      title={base ? t('domains.form.editTitle', { name: base.name }) : t('domains.form.addTitle')}
      destroyOnHidden
      afterOpenChange={(open) => {
        if (!open) setError(null);
      }}
      footer={
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>{t('domains.form.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => void submit()} data-testid="domain-host-save">
            {base ? t('domains.form.save') : t('domains.form.add')}
          </Button>
        </Flex>
      }
    >
      <div data-testid="domain-host-form" data-shortcuts="off">
        {/* destroyOnHidden: a new form (with these initial values) each time the drawer opens. */}
        <Form form={form} layout="vertical" requiredMark={false} initialValues={hostToValues(base)} preserve={false}>
          <Form.Item name="name" label={t('domains.form.name')} rules={[required, { max: 128, message: t('domains.form.tooLong') }]}>
            <Input data-testid="domain-host-name" placeholder={t('domains.form.namePlaceholder')} />
          </Form.Item>
          <Divider titlePlacement="start" plain>
            {t('domains.form.login')}
          </Divider>
          {hopFields(['target'], 'domain-host-target')}
          <Form.List name="jumps">
            {(fields, { add, remove }) => (
              <div data-testid="domain-host-jumps">
                <Typography.Text strong>{t('domains.form.jumps')}</Typography.Text>
                <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
                  {fields.length === 0 ? t('domains.form.noJumps') : t('domains.form.jumpOrder')}
                </Typography.Paragraph>
                {fields.map((field, index) => (
                  <div key={field.key} className="drover-domain-jump">
                    <Flex justify="space-between" align="center">
                      <Typography.Text type="secondary">{t('domains.form.jumpN', { n: index + 1 })}</Typography.Text>
                      <Button size="small" type="text" danger icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={t('domains.form.removeJump')} />
                    </Flex>
                    {hopFields([field.name], `domain-host-jump-${index}`)}
                  </div>
                ))}
                <Button size="small" icon={<PlusOutlined />} onClick={() => add(hopValues())} data-testid="domain-host-add-jump">
                  {t('domains.form.addJump')}
                </Button>
              </div>
            )}
          </Form.List>
          <Divider titlePlacement="start" plain>
            {t('domains.form.libvirt')}
          </Divider>
          <Form.Item name="uri" label={t('domains.form.uri')} extra={t('domains.form.uriHelp')} rules={[required, { pattern: URI_PATTERN, message: t('domains.form.badUri') }]}>
            <Input data-testid="domain-host-uri" spellCheck={false} />
          </Form.Item>
          <Form.Item name="pollIntervalSec" label={t('domains.form.interval')} extra={t('domains.form.intervalHelp')} rules={[required]}>
            <InputNumber data-testid="domain-host-interval" min={1} max={3600} suffix="s" style={{ width: 160 }} />
          </Form.Item>
        </Form>
        {error && <Alert type="error" showIcon title={t('domains.form.refused')} description={error} data-testid="domain-host-error" />}
      </div>
    </Drawer>
  );
}
