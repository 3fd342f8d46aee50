import { ClearOutlined, ExportOutlined, PauseOutlined, PlayCircleOutlined, VerticalAlignBottomOutlined, WarningOutlined } from '@ant-design/icons';
import type { AppError } from '@contract/errors';
import { SYSLOG_SEVERITY_NAMES, syslogFacilityName, type SyslogMessage, type SyslogStatus } from '@contract/fleet';
import { Alert, Button, Checkbox, Flex, Input, Modal, Radio, Select, Switch, Table, Tag, Tooltip, Typography, type GetRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { formatBytes } from '../../components/format';
import { clockTime } from './fleet-format';
import { useFleetStore, useSyslogStore } from './fleet-hooks';
import { selectService } from './fleet-store';

const SEVERITY_COLORS = ['magenta', 'red', 'volcano', 'red', 'orange', 'gold', 'blue', 'default'] as const;

function ReceiverStatus({ status, onSettings }: { status: SyslogStatus | undefined; onSettings(): void }) {
  const { t } = useTranslation();
  if (!status) return null;
  const ports = [status.udpPort !== null ? `UDP ${status.udpPort}` : null, status.tcpPort !== null ? `TCP ${status.tcpPort}` : null].filter(Boolean).join(' · ');
  return (
    <Flex vertical gap={6} data-testid="fleet-syslog-status" data-state={status.state} data-udp-port={status.udpPort ?? ''}>
      <Flex align="center" gap={8} wrap>
        {status.state === 'listening' && <Tag color="success">{t('fleet.syslog.listening', { host: status.host, ports })}</Tag>}
        {status.state === 'starting' && <Tag color="processing">{t('fleet.syslog.starting')}</Tag>}
        {status.state === 'off' && <Tag>{t('fleet.syslog.off')}</Tag>}
        {status.state === 'failed' && <Tag color="error">{t('fleet.syslog.failed')}</Tag>}
        <Typography.Text type="secondary">
          {t('fleet.syslog.buffer', { size: status.buffer.size, max: status.buffer.maxMessages, bytes: formatBytes(status.buffer.bytes), maxBytes: formatBytes(status.buffer.maxBytes), received: status.received, raw: status.raw })}
        </Typography.Text>
        <Button size="small" type="link" onClick={onSettings}>
          {t('fleet.syslog.configure')}
        </Button>
      </Flex>
      {status.state === 'listening' && (
        <Typography.Text type="secondary">
          {t('fleet.syslog.howTo')} <Typography.Text code>{`syslogd -R ${status.exposed && status.host !== '0.0.0.0' ? status.host : '<this-machine>'}:${status.udpPort ?? status.tcpPort}`}</Typography.Text>
          {!status.exposed && <> · {t('fleet.syslog.loopbackOnly')}</>}
        </Typography.Text>
      )}
      {status.exposed && <Alert type="warning" showIcon icon={<WarningOutlined />} title={t('fleet.syslog.exposed', { host: status.host })} data-testid="fleet-syslog-exposed" />}
      {status.notice && <Alert type="info" showIcon title={status.notice} />}
      {status.error && <Alert type="error" showIcon title={t('fleet.syslog.cannotListen')} description={<ErrorDetails error={status.error} action="fleetSyslogReceiver" />} data-testid="fleet-syslog-error" />}
    </Flex>
  );
}

function ExportModal({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} footer={null} title={t('fleet.syslog.exportTitle')} destroyOnHidden>
      <ExportBody onClose={onClose} />
    </Modal>
  );
}

function ExportBody({ onClose }: { onClose(): void }) {
  const { t } = useTranslation();
  const exportTo = useSyslogStore((s) => s.exportTo);
  const [path, setPath] = useState('~/drover-syslog.txt');
  const [format, setFormat] = useState<'text' | 'jsonl'>('text');
  const [state, setState] = useState<{ kind: 'idle' | 'busy' } | { kind: 'done'; path: string; count: number } | { kind: 'error'; error: AppError }>({ kind: 'idle' });
  const run = async () => {
    setState({ kind: 'busy' });
    const r = await exportTo(path, format);
    setState(r.ok ? { kind: 'done', path: r.path, count: r.count } : { kind: 'error', error: r.error });
  };
  return (
    <Flex vertical gap={8} data-shortcuts="off">
      <Typography.Text type="secondary">{t('fleet.syslog.exportIntro')}</Typography.Text>
      <Input className="drover-mono" value={path} onChange={(e) => setPath(e.target.value)} data-testid="fleet-syslog-export-path" />
      <Radio.Group value={format} onChange={(e) => setFormat(e.target.value as 'text' | 'jsonl')} options={[{ value: 'text', label: t('fleet.syslog.formatText') }, { value: 'jsonl', label: t('fleet.syslog.formatJson') }]} />
      {state.kind === 'done' && <Alert type="success" showIcon title={t('fleet.syslog.exported', { count: state.count, path: state.path })} data-testid="fleet-syslog-exported" />}
      {state.kind === 'error' && <Alert type="error" showIcon title={t('fleet.syslog.exportFailed')} description={<ErrorDetails error={state.error} action="fleetExportSyslog" />} />}
      <Flex justify="flex-end" gap={8}>
        <Button onClick={onClose}>{t('fleet.import.cancel')}</Button>
        <Button type="primary" loading={state.kind === 'busy'} onClick={() => void run()} data-testid="fleet-syslog-export-ok">
          {t('fleet.syslog.exportOk')}
        </Button>
      </Flex>
    </Flex>
  );
}

/** The live log view: what the rigs send, filtered by the service (host, severity, text), with pause, follow, paging back and export. */
export function SyslogView({ hostFilter, onSettings }: { hostFilter: string | undefined; onSettings(): void }) {
  const { t } = useTranslation();
  const service = useFleetStore(selectService);
  const s = useSyslogStore((x) => x);
  const table = useRef<GetRef<typeof Table<SyslogMessage>>>(null);
  const [exportOpen, setExportOpen] = useState(false);
  const [height, setHeight] = useState(420);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (hostFilter !== undefined) s.setFilter({ host: hostFilter });
    s.start();
    return () => s.stop();
    // Subscribed while the view is open.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => setHeight(Math.max(220, window.innerHeight - el.getBoundingClientRect().top - 70));
    update();
    window.addEventListener('resize', update);
    return () => window.removeEventListener('resize', update);
  }, []);

  useEffect(() => {
    if (s.follow && s.messages.length > 0) table.current?.scrollTo({ index: s.messages.length - 1 });
  }, [s.version, s.follow, s.messages.length]);

  const f = s.filter;
  return (
    <Flex vertical gap={10} data-testid="fleet-syslog">
      <ReceiverStatus status={service?.syslog} onSettings={onSettings} />
      <Flex gap={8} wrap align="center" data-shortcuts="off">
        <Input allowClear placeholder={t('fleet.syslog.hostFilter')} style={{ width: 180 }} value={f.host} onChange={(e) => s.setFilter({ host: e.target.value })} data-testid="fleet-syslog-host" />
        <Select
          style={{ width: 210 }}
          value={f.minSeverity === null ? 'all' : String(f.minSeverity)}
          onChange={(v) => s.setFilter({ minSeverity: v === 'all' ? null : Number(v) })}
          options={[{ value: 'all', label: t('fleet.syslog.allSeverities') }, ...SYSLOG_SEVERITY_NAMES.map((n, i) => ({ value: String(i), label: t('fleet.syslog.upTo', { name: n }) }))]}
          data-testid="fleet-syslog-severity"
        />
        <Input allowClear placeholder={t('fleet.syslog.textFilter')} style={{ width: 260 }} value={f.text} onChange={(e) => s.setFilter({ text: e.target.value })} data-testid="fleet-syslog-text" />
        <Checkbox checked={f.regex} onChange={(e) => s.setFilter({ regex: e.target.checked })}>
          {t('fleet.syslog.regex')}
        </Checkbox>
        <div style={{ flex: 1 }} />
        {s.paused ? (
          <Button type="primary" icon={<PlayCircleOutlined />} onClick={s.resume} data-testid="fleet-syslog-resume">
            {t('fleet.syslog.resume', { count: s.held })}
          </Button>
        ) : (
          <Tooltip title={`${t('fleet.syslog.pauseHelp')} (Space)`}>
            <Button icon={<PauseOutlined />} onClick={s.pause} data-testid="fleet-syslog-pause">
              {t('fleet.syslog.pause')}
            </Button>
          </Tooltip>
        )}
        <Tooltip title={t('fleet.syslog.followHelp')}>
          <span>
            <Switch size="small" checked={s.follow} onChange={s.setFollow} disabled={s.paused} data-testid="fleet-syslog-follow" /> <VerticalAlignBottomOutlined /> {t('fleet.syslog.follow')}
          </span>
        </Tooltip>
        <Button icon={<ClearOutlined />} onClick={s.clear}>
          {t('fleet.syslog.clear')}
        </Button>
        <Button icon={<ExportOutlined />} onClick={() => setExportOpen(true)} data-testid="fleet-syslog-export">
          {t('fleet.syslog.export')}
        </Button>
      </Flex>
      {s.error && <Alert type="error" showIcon title={t('fleet.syslog.filterError')} description={<ErrorDetails error={s.error} action="fleetWatchSyslog" />} data-testid="fleet-syslog-filter-error" />}
      {s.skipped > 0 && <Alert type="warning" showIcon title={t('fleet.syslog.skipped', { count: s.skipped })} />}
      <Flex align="center" gap={8}>
        <Typography.Text type="secondary" data-testid="fleet-syslog-count" data-count={s.messages.length}>
          {t('fleet.syslog.shown', { count: s.messages.length })}
        </Typography.Text>
        {s.more && (
          <Button size="small" loading={s.loadingOlder} onClick={() => void s.loadOlder()} data-testid="fleet-syslog-older">
            {t('fleet.syslog.older')}
          </Button>
        )}
      </Flex>
      <div ref={box}>
        <Table<SyslogMessage>
          ref={table}
          size="small"
          virtual
          pagination={false}
          rowKey="seq"
          loading={s.loading}
          dataSource={s.messages as SyslogMessage[]}
          scroll={{ y: height, x: 1000 }}
          className="drover-fleet-syslog-table"
          onRow={(m) => ({ 'data-testid': 'fleet-syslog-line', 'data-severity': m.severity ?? 'raw', 'data-seq': m.seq }) as React.HTMLAttributes<HTMLElement>}
          locale={{ emptyText: s.loading ? ' ' : t('fleet.syslog.empty') }}
          columns={[
            { key: 'time', title: t('fleet.syslog.time'), width: 96, render: (_, m) => <span className="drover-mono">{clockTime(m.receivedAtMs)}</span> },
            { key: 'host', title: t('fleet.syslog.host'), width: 150, render: (_, m) => <Typography.Text ellipsis className="drover-mono">{m.hostname ?? m.sender.address}</Typography.Text> },
            {
              key: 'sev',
              title: t('fleet.syslog.severity'),
              width: 110,
              render: (_, m) =>
                m.severity === null ? (
                  <Tag>{t('fleet.syslog.raw')}</Tag>
                ) : (
                  <Tooltip title={`${syslogFacilityName(m.facility)}.${SYSLOG_SEVERITY_NAMES[m.severity]}`}>
                    <Tag color={SEVERITY_COLORS[m.severity]}>{SYSLOG_SEVERITY_NAMES[m.severity]}</Tag>
                  </Tooltip>
                ),
            },
            { key: 'app', title: t('fleet.syslog.app'), width: 150, render: (_, m) => <Typography.Text ellipsis className="drover-mono">{m.app === null ? '' : m.procid === null ? m.app : `${m.app}[${m.procid}]`}</Typography.Text> },
            { key: 'msg', title: t('fleet.syslog.message'), render: (_, m) => <span className="drover-mono drover-fleet-syslog-msg">{m.format === 'raw' ? m.raw : m.message}</span> },
          ]}
        />
      </div>
      <ExportModal open={exportOpen} onClose={() => setExportOpen(false)} />
    </Flex>
  );
}
