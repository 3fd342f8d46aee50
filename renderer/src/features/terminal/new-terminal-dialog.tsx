import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import type { Hop } from '@contract/ssh';
import { Button, Col, Form, Input, InputNumber, Modal, Row, Segmented, Select, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTerminal, useTerminalStore } from './terminal-hooks';
import { routeLabel } from '@contract/ssh';
import { selectProfiles, selectRecent, type SshDestination } from './terminal-store';
import { formatHopSpec, isHostName, isUserName, parseHopSpec } from './hop-spec';

interface JumpField {
  spec?: string;
  identity?: string;
}

interface FormValues {
  cwd?: string;
  host?: string;
  port?: number;
  user?: string;
  identity?: string;
  jumps?: JumpField[];
}

export type NewTerminalKind = 'local' | 'ssh';

function identityFiles(path: string | undefined): string[] | undefined {
  const p = path?.trim();
  return p ? [p] : undefined;
}

/**
 * Local shell or SSH (host, port, user, identity file, jump hosts), or filled in from a saved
 * target. Mounted while open, so every opening starts from a fresh form.
 */
export function NewTerminalDialog({ initialKind, onClose }: { initialKind: NewTerminalKind; onClose: () => void }) {
  const { t } = useTranslation();
  const store = useTerminal();
  const profiles = useTerminalStore(selectProfiles);
  const recent = useTerminalStore(selectRecent);
  const [kind, setKind] = useState<NewTerminalKind>(initialKind);
  const [form] = Form.useForm<FormValues>();
  /** The saved destination the form was filled from: its agent / password settings go along. */
  const [base, setBase] = useState<SshDestination | null>(null);

  useEffect(() => {
    void store.getState().loadProfiles();
  }, [store]);

  const saved = [...profiles, ...recent];

  const fill = (key: string) => {
    const d = saved.find((s) => s.key === key);
    if (!d) return;
    setBase(d);
    form.setFieldsValue({
      host: d.target.host,
      port: d.target.port,
      user: d.target.user,
      identity: d.target.identityFiles?.[0] ?? '',
      jumps: d.jumps.map((j) => ({ spec: formatHopSpec(j), identity: j.identityFiles?.[0] ?? '' })),
    });
  };

  const submit = (v: FormValues) => {
    if (kind === 'local') {
      const cwd = v.cwd?.trim();
      store.getState().openTerminal({ kind: 'local', ...(cwd ? { cwd } : {}) });
      onClose();
      return;
    }
    const host = v.host!.trim();
    const user = v.user!.trim();
    const port = v.port ?? 22;
    const sameAsBase = base && base.target.host === host && base.target.user === user && base.target.port === port;
    const target: Hop = {
      ...(sameAsBase ? base.target : {}),
      host,
      port,
      user,
      identityFiles: identityFiles(v.identity) ?? (sameAsBase ? base.target.identityFiles : undefined),
    };
    if (!target.identityFiles) delete target.identityFiles;
    const jumps: Hop[] = (v.jumps ?? [])
      .filter((j) => j.spec?.trim())
      .map((j) => {
        const hop = parseHopSpec(j.spec!)!;
        const fromBase = sameAsBase ? base.jumps.find((b) => b.host === hop.host && b.user === hop.user && b.port === hop.port) : undefined;
        const files = identityFiles(j.identity) ?? fromBase?.identityFiles;
        return { ...(fromBase ?? {}), ...hop, ...(files ? { identityFiles: files } : {}) };
      });
    store.getState().openTerminal({ kind: 'ssh', target, jumps });
    onClose();
  };

  const savedOptions = [
    ...(profiles.length ? [{ label: t('terminal.profilesGroup'), options: profiles.map((p) => ({ value: p.key, label: `${p.name} — ${routeLabel(p.target, p.jumps)}` })) }] : []),
    ...(recent.length ? [{ label: t('terminal.recentGroup'), options: recent.map((p) => ({ value: p.key, label: p.name })) }] : []),
  ];

  return (
    <Modal
      open
      title={t('terminal.dialog.title')}
      okText={t('terminal.dialog.open')}
      onOk={() => form.submit()}
      onCancel={onClose}
      width={620}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'new-terminal-open' }}
    >
      <div data-testid="new-terminal-dialog">
        <Segmented
          block
          value={kind}
          onChange={(v) => setKind(v as NewTerminalKind)}
          options={[
            { value: 'local', label: t('terminal.dialog.local') },
            { value: 'ssh', label: t('terminal.dialog.ssh') },
          ]}
          style={{ marginBottom: 16 }}
          data-testid="new-terminal-kind"
        />
        <Form<FormValues> form={form} layout="vertical" onFinish={submit} requiredMark={false} initialValues={{ port: 22, jumps: [] }}>
          {kind === 'local' ? (
            <Form.Item name="cwd" label={t('terminal.dialog.cwd')}>
              <Input placeholder={t('terminal.dialog.cwdPlaceholder')} className="drover-mono" data-testid="new-terminal-cwd" />
            </Form.Item>
          ) : (
            <>
              <Form.Item label={t('terminal.dialog.saved')}>
                <Select
                  showSearch={{ optionFilterProp: 'label' }}
                  allowClear
                  placeholder={t('terminal.dialog.savedPlaceholder')}
                  notFoundContent={t('terminal.dialog.noSaved')}
                  options={savedOptions}
                  onChange={(key: string | undefined) => (key ? fill(key) : setBase(null))}
                  data-testid="new-terminal-saved"
                />
              </Form.Item>
              <Row gutter={12}>
                <Col span={10}>
                  <Form.Item
                    name="user"
                    label={t('terminal.dialog.user')}
                    rules={[
                      { required: true, message: t('terminal.dialog.required') },
                      { validator: (_r, v: string | undefined) => (!v || isUserName(v.trim()) ? Promise.resolve() : Promise.reject(new Error(t('terminal.dialog.badUser')))) },
                    ]}
                  >
                    <Input placeholder="root" className="drover-mono" autoComplete="off" data-testid="new-terminal-user" />
                  </Form.Item>
                </Col>
                <Col span={10}>
                  <Form.Item
                    name="host"
                    label={t('terminal.dialog.host')}
                    rules={[
                      { required: true, message: t('terminal.dialog.required') },
                      { validator: (_r, v: string | undefined) => (!v || isHostName(v.trim()) ? Promise.resolve() : Promise.reject(new Error(t('terminal.dialog.badHost')))) },
                    ]}
                  >
                    <Input placeholder="10.0.0.7" className="drover-mono" autoComplete="off" data-testid="new-terminal-host" />
                  </Form.Item>
                </Col>
                <Col span={4}>
                  <Form.Item name="port" label={t('terminal.dialog.port')} rules={[{ required: true, message: t('terminal.dialog.required') }]}>
                    <InputNumber min={1} max={65535} precision={0} style={{ width: '100%' }} data-testid="new-terminal-port" />
                  </Form.Item>
                </Col>
              </Row>
              <Form.Item name="identity" label={t('terminal.dialog.identityFile')}>
                <Input placeholder={t('terminal.dialog.identityPlaceholder')} className="drover-mono" autoComplete="off" data-testid="new-terminal-identity" />
              </Form.Item>
              <Form.Item label={t('terminal.dialog.jumps')} extra={t('terminal.dialog.jumpsHint')} style={{ marginBottom: 0 }}>
                <Form.List name="jumps">
                  {(fields, { add, remove }) => (
                    <>
                      {fields.map((f, i) => (
                        <Row gutter={8} key={f.key} wrap={false}>
                          <Col flex="24px">
                            <Typography.Text type="secondary" className="drover-term-jump-n">
                              {i + 1}.
                            </Typography.Text>
                          </Col>
                          <Col flex="auto">
                            <Form.Item
                              name={[f.name, 'spec']}
                              rules={[
                                { required: true, message: t('terminal.dialog.required') },
                                { validator: (_r, v: string | undefined) => (!v || parseHopSpec(v) ? Promise.resolve() : Promise.reject(new Error(t('terminal.dialog.badJump')))) },
                              ]}
                            >
                              <Input placeholder={t('terminal.dialog.jumpPlaceholder')} className="drover-mono" data-testid={`new-terminal-jump-${i}`} />
                            </Form.Item>
                          </Col>
                          <Col flex="auto">
                            <Form.Item name={[f.name, 'identity']}>
                              <Input placeholder={t('terminal.dialog.jumpIdentityPlaceholder')} className="drover-mono" />
                            </Form.Item>
                          </Col>
                          <Col flex="32px">
                            <Button type="text" icon={<DeleteOutlined aria-hidden />} onClick={() => remove(f.name)} aria-label="remove" />
                          </Col>
                        </Row>
                      ))}
                      <Button type="dashed" size="small" icon={<PlusOutlined aria-hidden />} onClick={() => add({ spec: '', identity: '' })} disabled={fields.length >= 8} data-testid="new-terminal-add-jump">
                        {t('terminal.dialog.addJump')}
                      </Button>
                    </>
                  )}
                </Form.List>
              </Form.Item>
            </>
          )}
          {/* Enter in any field submits. */}
          <button type="submit" hidden aria-hidden />
        </Form>
      </div>
    </Modal>
  );
}
