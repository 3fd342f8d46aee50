import { AppError } from '@contract/errors';
import type { AddHostsResult, FleetHostDraftValue, ImportCandidate, ImportPreview } from '@contract/fleet';
import { hopLabel } from '@contract/ssh';
import { Alert, App, Button, Col, Flex, Form, Input, InputNumber, Modal, Row, Segmented, Select, Table, Tag, Tooltip, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useEtcdStore } from '../etcd/etcd-hooks';
import { selectSessionOrder, selectSessions } from '../etcd/etcd-store';
import { useFleetStore } from './fleet-hooks';
import { selectGroups } from './fleet-store';
import { parseJumps } from './host-form';

export type ImportSource = 'ssh-config' | 'etcd' | 'lotus-workers' | 'hostnames' | 'file';

interface LoginValues {
  user: string;
  port: number;
  identityFiles: string;
  jumps: string;
  group: string;
  /** '' = the endpoints typed below; else an etcd page session id. */
  etcdSession: string;
  endpoints: string;
  pattern: string;
  text: string;
  path: string;
}

const DEFAULTS: Record<ImportSource, Partial<LoginValues>> = {
  'ssh-config': { group: 'default' },
  etcd: { group: 'rigs', etcdSession: '', endpoints: 'http://127.0.0.1:2379', pattern: '/farm/workers/{mac}/env' },
  'lotus-workers': { group: 'lotus-workers' },
  hostnames: { group: 'default' },
  file: {},
};

type Step = { kind: 'form' } | { kind: 'loading' } | { kind: 'preview'; preview: ImportPreview } | { kind: 'error'; error: AppError };

/**
 * Adding many hosts at once: from ~/.ssh/config, the worker-env keys in etcd (by MAC), pasted
 * `lotus-miner sealing workers` output (by host name), a host list, or an exported inventory file.
 * Nothing is added until the preview is confirmed; machines already in the inventory are merged.
 */
export function ImportDialog({ open, initial, onClose }: { open: boolean; initial: ImportSource; onClose(): void }) {
  const { t } = useTranslation();
  // destroyOnHidden: every opening starts from a fresh body (source, preview, results).
  return (
    <Modal open={open} onCancel={onClose} width={1040} footer={null} destroyOnHidden title={t('fleet.import.title')} data-testid="fleet-import-dialog">
      <ImportBody initial={initial} onClose={onClose} />
    </Modal>
  );
}

function ImportBody({ initial, onClose }: { initial: ImportSource; onClose(): void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const store = {
    importSshConfig: useFleetStore((s) => s.importSshConfig),
    importEtcd: useFleetStore((s) => s.importEtcd),
    importText: useFleetStore((s) => s.importText),
    addHosts: useFleetStore((s) => s.addHosts),
    importInventory: useFleetStore((s) => s.importInventory),
  };
  const groups = useFleetStore(selectGroups);
  const etcdSessions = useEtcdStore(selectSessions);
  const etcdOrder = useEtcdStore(selectSessionOrder);
  const etcdVia = useMemo(
    () => [
      { value: '', label: t('fleet.import.etcdDirect') },
      ...etcdOrder.flatMap((id) => (etcdSessions[id] ? [{ value: id, label: t('fleet.import.etcdSession', { name: etcdSessions[id].config.name }) }] : [])),
    ],
    [etcdOrder, etcdSessions, t],
  );
  const hosts = useFleetStore((s) => s.hosts);
  const fresh = useFleetStore((s) => s.live.fresh);
  const [source, setSourceState] = useState<ImportSource>(initial);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const [selected, setSelected] = useState<number[]>([]);
  const [adding, setAdding] = useState(false);
  const [result, setResult] = useState<AddHostsResult | null>(null);
  const [form] = Form.useForm<LoginValues>();
  const setSource = (next: ImportSource) => {
    setSourceState(next);
    setStep({ kind: 'form' });
    setResult(null);
  };

  const read = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return;
    const jumps = parseJumps(v.jumps ?? '');
    if (!jumps.ok) {
      form.setFields([{ name: 'jumps', errors: [t('fleet.form.badJump', { spec: jumps.bad })] }]);
      return;
    }
    const files = (v.identityFiles ?? '')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    const login = { user: v.user, port: v.port, ...(files.length ? { identityFiles: files } : {}), jumps: jumps.jumps, group: v.group };
    if (source === 'file') {
      setStep({ kind: 'loading' });
      const r = await store.importInventory(v.path.trim());
      if (r.ok) {
        setResult(r.value);
        setStep({ kind: 'form' });
        void message.success(t('fleet.import.fileDone', { added: r.value.added.length, merged: r.value.merged.length, groups: r.value.groups, rules: r.value.rules }));
      } else setStep({ kind: 'error', error: r.error });
      return;
    }
    setStep({ kind: 'loading' });
    try {
      const preview =
        source === 'ssh-config'
          ? await store.importSshConfig({ user: v.user, group: v.group })
          : source === 'etcd'
            ? await store.importEtcd({ ...login, ...(v.etcdSession ? { sessionId: v.etcdSession } : { endpoints: v.endpoints.split(/[\s,]+/).filter(Boolean) }), pattern: v.pattern })
            : await store.importText({ ...login, kind: source, text: v.text });
      setStep({ kind: 'preview', preview });
      setSelected(preview.candidates.map((c, i) => (c.host ? i : -1)).filter((i) => i >= 0));
    } catch (err) {
      setStep({ kind: 'error', error: AppError.from(err) });
    }
  };

  const add = async () => {
    if (step.kind !== 'preview') return;
    const drafts = selected.map((i) => step.preview.candidates[i]?.host).filter((h): h is FleetHostDraftValue => h !== undefined);
    if (drafts.length === 0) return;
    setAdding(true);
    const r = await store.addHosts(drafts);
    setAdding(false);
    if (r.ok) {
      setResult(r.value);
      void message.success(t('fleet.import.done', { added: r.value.added.length, merged: r.value.merged.length, skipped: r.value.skipped.length }));
      if (r.value.skipped.length === 0) onClose();
    } else setStep({ kind: 'error', error: r.error });
  };

  const columns = useMemo(
    () => [
      { key: 'name', title: t('fleet.form.name'), render: (_: unknown, c: ImportCandidate) => (c.host ? <Typography.Text strong>{c.host.name}</Typography.Text> : <Typography.Text type="secondary">{c.origin}</Typography.Text>) },
      { key: 'target', title: t('fleet.detail.ssh'), render: (_: unknown, c: ImportCandidate) => (c.host ? <span className="drover-mono">{hopLabel(c.host.target)}</span> : '—') },
      {
        key: 'facts',
        title: t('fleet.import.identity'),
        render: (_: unknown, c: ImportCandidate) => (
          <span className="drover-mono drover-fleet-sub">
            {[c.host?.mac, c.host?.ip, c.host?.hostname !== c.host?.name ? c.host?.hostname : undefined].filter(Boolean).join(' · ') || '—'}
          </span>
        ),
      },
      {
        key: 'match',
        title: t('fleet.import.inInventory'),
        width: 170,
        render: (_: unknown, c: ImportCandidate) =>
          c.matchId ? (
            <Tooltip title={t('fleet.import.mergeHelp')}>
              <Tag color="processing">{t('fleet.import.merge', { name: hosts[c.matchId]?.host.name ?? c.matchId })}</Tag>
            </Tooltip>
          ) : c.host ? (
            <Tag color="success">{t('fleet.import.new')}</Tag>
          ) : (
            <Tag>{t('fleet.import.cannot')}</Tag>
          ),
      },
      {
        key: 'problems',
        title: t('fleet.import.problems'),
        render: (_: unknown, c: ImportCandidate) =>
          c.problems.length === 0 ? (
            '—'
          ) : (
            <Typography.Text type="warning" className="drover-fleet-sub">
              {c.problems.join('; ')}
            </Typography.Text>
          ),
      },
    ],
    [t, hosts],
  );

  const needsLogin = source !== 'ssh-config' && source !== 'file';
  return (
    <div data-testid="fleet-import-body">
      <Segmented<ImportSource>
        value={source}
        onChange={setSource}
        options={(['ssh-config', 'etcd', 'lotus-workers', 'hostnames', 'file'] as const).map((s) => ({ value: s, label: <span data-testid={`fleet-import-source-${s}`}>{t(`fleet.import.sources.${s}`)}</span> }))}
        style={{ marginBottom: 12 }}
      />
      <Typography.Paragraph type="secondary">{t(`fleet.import.intro.${source}`)}</Typography.Paragraph>
      <Form form={form} key={source} layout="vertical" data-shortcuts="off" initialValues={{ user: 'root', port: 22, identityFiles: '', jumps: '', text: '', path: '', ...DEFAULTS[source] }}>
        {source === 'etcd' && (
          <Row gutter={12}>
            <Col span={24}>
              <Form.Item name="etcdSession" label={t('fleet.import.etcdVia')} extra={t('fleet.import.etcdViaHelp')}>
                <Select options={etcdVia} data-testid="fleet-import-etcd-session" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item noStyle shouldUpdate={(a, b) => a.etcdSession !== b.etcdSession}>
                {({ getFieldValue }) => (
                  <Form.Item name="endpoints" label={t('fleet.import.endpoints')} rules={[{ required: !getFieldValue('etcdSession') }]} extra={t('fleet.import.endpointsHelp')}>
                    <Input className="drover-mono" disabled={Boolean(getFieldValue('etcdSession'))} data-testid="fleet-import-endpoints" />
                  </Form.Item>
                )}
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="pattern" label={t('fleet.import.pattern')} rules={[{ required: true }]} extra={t('fleet.import.patternHelp')}>
                <Input className="drover-mono" />
              </Form.Item>
            </Col>
          </Row>
        )}
        {(source === 'lotus-workers' || source === 'hostnames') && (
          <Form.Item name="text" label={t(`fleet.import.text.${source}`)} rules={[{ required: true }]}>
            <Input.TextArea autoSize={{ minRows: 5, maxRows: 12 }} className="drover-mono" placeholder={source === 'lotus-workers' ? 'Worker d8e59e78-…, host fil-seal-01' : 'rig-01\nroot@10.30.5.46:22'} data-testid="fleet-import-text" />
          </Form.Item>
        )}
        {source === 'file' && (
          <Form.Item name="path" label={t('fleet.import.path')} rules={[{ required: true }]} extra={t('fleet.import.pathHelp')}>
            <Input className="drover-mono" placeholder="~/drover-fleet.json" data-testid="fleet-import-path" />
          </Form.Item>
        )}
        {source !== 'file' && (
          <Row gutter={12}>
            <Col span={needsLogin ? 4 : 8}>
              <Form.Item name="user" label={t('fleet.form.user')} rules={[{ required: true }]} extra={source === 'ssh-config' ? t('fleet.import.userFallback') : undefined}>
                <Input />
              </Form.Item>
            </Col>
            {needsLogin && (
              <>
                <Col span={3}>
                  <Form.Item name="port" label={t('fleet.form.port')} rules={[{ required: true }]}>
                    <InputNumber min={1} max={65535} style={{ width: '100%' }} />
                  </Form.Item>
                </Col>
                <Col span={7}>
                  <Form.Item name="identityFiles" label={t('fleet.form.identityFiles')}>
                    <Input className="drover-mono" placeholder="~/.ssh/id_ed25519" />
                  </Form.Item>
                </Col>
                <Col span={5}>
                  <Form.Item name="jumps" label={t('fleet.form.jumps')}>
                    <Input className="drover-mono" placeholder="ops@gw:22" />
                  </Form.Item>
                </Col>
              </>
            )}
            <Col span={needsLogin ? 5 : 8}>
              <Form.Item name="group" label={t('fleet.form.group')} rules={[{ required: true }]}>
                <Select options={Object.keys(groups).map((g) => ({ value: g, label: g }))} />
              </Form.Item>
            </Col>
          </Row>
        )}
        <Button type="primary" onClick={() => void read()} loading={step.kind === 'loading'} disabled={!fresh} data-testid="fleet-import-read">
          {source === 'file' ? t('fleet.import.importFile') : t('fleet.import.read')}
        </Button>
      </Form>
      {step.kind === 'error' && <Alert type="error" showIcon style={{ marginTop: 12 }} title={t('fleet.import.failed')} description={<ErrorDetails error={step.error} action="fleetImport" />} data-testid="fleet-import-error" />}
      {result && result.skipped.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          title={t('fleet.import.skipped', { count: result.skipped.length })}
          description={
            <ul className="drover-fleet-problems">
              {result.skipped.map((s, i) => (
                <li key={i}>
                  <b>{s.name}</b>: {s.reason}
                </li>
              ))}
            </ul>
          }
        />
      )}
      {step.kind === 'preview' && (
        <div style={{ marginTop: 12 }} data-testid="fleet-import-preview">
          <Typography.Text type="secondary">
            {t('fleet.import.from', { from: step.preview.from, count: step.preview.candidates.length })}
          </Typography.Text>
          {step.preview.problems.length > 0 && (
            <Alert type="warning" showIcon style={{ margin: '8px 0' }} title={t('fleet.import.sourceProblems', { count: step.preview.problems.length })} description={<ul className="drover-fleet-problems">{step.preview.problems.slice(0, 20).map((p, i) => <li key={i}>{p}</li>)}</ul>} />
          )}
          <Table<ImportCandidate>
            size="small"
            virtual
            scroll={{ y: 320 }}
            pagination={false}
            rowKey={(_c) => step.preview.candidates.indexOf(_c)}
            dataSource={step.preview.candidates}
            columns={columns}
            rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]), getCheckboxProps: (c) => ({ disabled: !c.host }) }}
            onRow={(c) => ({ 'data-testid': 'fleet-import-candidate', 'data-name': c.host?.name ?? '' }) as React.HTMLAttributes<HTMLElement>}
          />
          <Flex justify="flex-end" gap={8} style={{ marginTop: 12 }}>
            <Button onClick={onClose}>{t('fleet.import.cancel')}</Button>
            <Button type="primary" disabled={selected.length === 0 || !fresh} loading={adding} onClick={() => void add()} data-testid="fleet-import-add">
              {t('fleet.import.add', { count: selected.length })}
            </Button>
          </Flex>
        </div>
      )}
    </div>
  );
}

/** Writes the inventory (groups, hosts, rules; not the settings) to a file on the machine Drover runs on. */
export function ExportDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} footer={null} title={t('fleet.export.title')} destroyOnHidden>
      <ExportBody onClose={onClose} />
    </Modal>
  );
}

function ExportBody({ onClose }: { onClose(): void }) {
  const { t } = useTranslation();
  const exportInventory = useFleetStore((s) => s.exportInventory);
  const [path, setPath] = useState('~/drover-fleet.json');
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; path: string; hosts: number } | { kind: 'error'; error: AppError }>({ kind: 'idle' });
  const run = async () => {
    setState({ kind: 'busy' });
    const r = await exportInventory(path);
    setState(r.ok ? { kind: 'done', path: r.value.path, hosts: r.value.hosts } : { kind: 'error', error: r.error });
  };
  return (
    <Flex vertical gap={12} data-shortcuts="off">
      <Typography.Text type="secondary">{t('fleet.export.intro')}</Typography.Text>
      <Input className="drover-mono" value={path} onChange={(e) => setPath(e.target.value)} onPressEnter={() => void run()} data-testid="fleet-export-path" />
      {state.kind === 'done' && <Alert type="success" showIcon title={t('fleet.export.done', { path: state.path, count: state.hosts })} data-testid="fleet-export-done" />}
      {state.kind === 'error' && <Alert type="error" showIcon title={t('fleet.export.failed')} description={<ErrorDetails error={state.error} action="fleetExportInventory" />} />}
      <Flex justify="flex-end" gap={8}>
        <Button onClick={onClose}>{t('fleet.import.cancel')}</Button>
        <Button type="primary" loading={state.kind === 'busy'} onClick={() => void run()} data-testid="fleet-export-ok">
          {t('fleet.export.ok')}
        </Button>
      </Flex>
    </Flex>
  );
}
