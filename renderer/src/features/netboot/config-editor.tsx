import { CheckCircleFilled, FolderOpenOutlined, LoadingOutlined, SaveOutlined, WarningFilled } from '@ant-design/icons';
import type { NetbootLocatedProblem, NetbootSubnetSummary } from '@contract/netboot';
import { Alert, Button, Empty, Flex, Input, Modal, Skeleton, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import type { TextAreaRef } from 'antd/es/input/TextArea';
import { useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { EtcdValues } from './etcd-values';
import { isRunning } from './netboot-header';
import { useNetbootStore } from './netboot-hooks';
import { isDirty, selectEditor, selectNetbootFresh, selectNetbootStatus } from './netboot-store';

/** Offset of line/column (1-based) in text. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

function firstProblemReason(message: string): string {
  // "… was not applied (N problems; first: X); still serving …" → X
  const m = /first: (.*)\); still serving/.exec(message);
  return m?.[1] ?? message;
}

function ConfigPathDialog({ open, onClose, current }: { open: boolean; onClose(): void; current: string }) {
  const { t } = useTranslation();
  const setConfigPath = useNetbootStore((s) => s.setConfigPath);
  const busy = useNetbootStore((s) => s.busy);
  // Mounted only while open, so each opening starts from the current path.
  const [value, setValue] = useState(current);
  return (
    <Modal
      open={open}
      title={t('netboot.config.pathTitle')}
      okText={t('netboot.config.pathOk')}
      onOk={async () => {
        if (await setConfigPath(value.trim())) onClose();
      }}
      okButtonProps={{ loading: busy === 'path', ...({ 'data-testid': 'netboot-path-ok' } as Record<string, string>) }}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('netboot.config.pathHelp')}</Typography.Paragraph>
      <Input value={value} onChange={(e) => setValue(e.target.value)} placeholder={t('netboot.config.pathPlaceholder')} className="drover-mono" data-testid="netboot-path-input" />
    </Modal>
  );
}

/**
 * The config editor: the file as JSON text, checked a moment after each keystroke (problems by
 * path and entry, with their line; click one to go there), saved = written and reloaded (an
 * invalid file is refused and the responder keeps its last good config: the report says why).
 * Beside it, the subnets of the text and the etcd values each one reads.
 */
export function ConfigEditor({ saveRef }: { saveRef: { current: (() => void) | null } }) {
  const { t } = useTranslation();
  const editor = useNetbootStore(selectEditor);
  const status = useNetbootStore(selectNetbootStatus);
  const fresh = useNetbootStore(selectNetbootFresh);
  const loadConfig = useNetbootStore((s) => s.loadConfig);
  const setText = useNetbootStore((s) => s.setText);
  const saveConfig = useNetbootStore((s) => s.saveConfig);
  const area = useRef<TextAreaRef>(null);
  const [pathOpen, setPathOpen] = useState(false);
  const [selected, setSelected] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (!editor.loaded && !editor.loading && fresh) void loadConfig();
  }, [editor.loaded, editor.loading, fresh, loadConfig]);

  const dirty = isDirty(editor);
  const v = editor.validation;
  const upToDate = v !== undefined && editor.validatedText === editor.text;
  const canSave = fresh && editor.loaded && !editor.saving && dirty;
  useEffect(() => {
    saveRef.current = () => {
      if (canSave) void saveConfig();
    };
  });

  const goTo = (p: NetbootLocatedProblem) => {
    const el = area.current?.resizableTextArea?.textArea;
    if (!el || p.line === undefined) return;
    const start = offsetOf(editor.text, p.line, p.column ?? 1);
    const lineEnd = editor.text.indexOf('\n', start);
    el.focus();
    el.setSelectionRange(start, lineEnd < 0 ? editor.text.length : lineEnd);
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
    el.scrollTop = Math.max(0, (p.line - 4) * lineHeight);
  };

  if (!editor.loaded) {
    return (
      <div data-testid="netboot-config" data-loaded="false">
        <Skeleton active paragraph={{ rows: 8 }} />
      </div>
    );
  }

  const save = editor.lastSave;
  const subnets = v?.ok ? v.subnets : [];
  const current = subnets.find((s) => s.name === selected) ?? subnets[0];
  const subnetColumns: TableColumnsType<NetbootSubnetSummary> = [
    { key: 'name', title: t('netboot.subnets.col.subnet'), ellipsis: true, render: (_: unknown, s) => s.name },
    { key: 'cidr', title: t('netboot.subnets.col.cidr'), width: 170, render: (_: unknown, s) => <span className="drover-mono">{s.cidr}</span> },
  ];

  return (
    <div className="drover-nb-config" data-testid="netboot-config" data-loaded="true" data-dirty={String(dirty)}>
      <Flex align="center" gap={8} wrap className="drover-nb-toolbar">
        <Typography.Text type="secondary">{t('netboot.config.path')}:</Typography.Text>
        <span className="drover-mono drover-nb-path" data-testid="netboot-editor-path">
          {editor.path}
        </span>
        <Tooltip title={isRunning(status) ? t('netboot.config.pathHelp') : undefined}>
          <Button size="small" icon={<FolderOpenOutlined />} disabled={!fresh || isRunning(status)} onClick={() => setPathOpen(true)} data-testid="netboot-change-path">
            {t('netboot.config.changePath')}
          </Button>
        </Tooltip>
        <Tag color={dirty ? 'warning' : 'default'} data-testid="netboot-dirty">
          {dirty ? t('netboot.config.dirty') : t('netboot.config.saved')}
        </Tag>
        <span data-testid="netboot-validation" data-ok={upToDate ? String(v.ok) : 'pending'}>
          {!upToDate || editor.validating ? (
            <Typography.Text type="secondary">
              <LoadingOutlined /> {t('netboot.config.validating')}
            </Typography.Text>
          ) : v.ok ? (
            <Typography.Text type="success">
              <CheckCircleFilled /> {t('netboot.config.valid', { count: v.subnetCount, v4: v.subnets.filter((s) => s.family === 4).length, v6: v.subnets.filter((s) => s.family === 6).length })}
            </Typography.Text>
          ) : (
            <Typography.Text type="danger">
              <WarningFilled /> {t('netboot.config.problems', { count: v.problems.length })}
            </Typography.Text>
          )}
        </span>
        <div style={{ flex: 1 }} />
        <Tooltip title={`${t('netboot.config.saveHelp')} (Ctrl+S)`}>
          <Button type="primary" icon={<SaveOutlined />} loading={editor.saving} disabled={!canSave} onClick={() => void saveConfig()} data-testid="netboot-save">
            {t('netboot.config.save')}
          </Button>
        </Tooltip>
      </Flex>
      {!editor.exists && <Alert type="info" showIcon className="drover-nb-alert" title={t('netboot.config.sample')} data-testid="netboot-sample" />}
      {save && save.report.ok && (
        <Alert type="success" showIcon closable className="drover-nb-alert" title={t('netboot.config.applied', { message: save.report.message })} data-testid="netboot-save-result" data-ok="true" />
      )}
      {save && !save.report.ok && (
        <Alert
          type="warning"
          showIcon
          className="drover-nb-alert"
          data-testid="netboot-save-result"
          data-ok="false"
          title={save.report.keptPrevious ? t('netboot.config.keptPrevious', { reason: firstProblemReason(save.report.message) }) : t('netboot.config.refused', { reason: save.report.message })}
        />
      )}
      {save?.restartRequired && <Alert type="warning" showIcon className="drover-nb-alert" title={t('netboot.config.restartRequired')} />}
      <div className="drover-nb-config-body">
        <div className="drover-nb-config-main">
          {upToDate && !v.ok && (
            <ul className="drover-nb-problems" data-testid="netboot-problems">
              {v.problems.map((p, i) => (
                <li key={`${p.path}-${i}`} data-testid="netboot-problem" data-path={p.path}>
                  <button type="button" className="drover-nb-problem" onClick={() => goTo(p)} title={t('netboot.config.goTo')} disabled={p.line === undefined}>
                    <span className="drover-mono drover-nb-problem-path">{p.path === '' ? t('netboot.config.whole') : p.path}</span>
                    {p.subnet !== undefined && <Tag className="drover-nb-problem-subnet">{p.subnet}</Tag>}
                    <span className="drover-nb-problem-message">{p.message}</span>
                    {p.line !== undefined && <span className="drover-nb-muted drover-nb-problem-line">{t('netboot.config.lineCol', { line: p.line, column: p.column ?? 1 })}</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <Input.TextArea
            ref={area}
            className="drover-nb-editor drover-mono"
            value={editor.text}
            onChange={(e) => setText(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            aria-label={t('netboot.config.editorLabel')}
            autoSize={{ minRows: 16, maxRows: 26 }}
            data-testid="netboot-editor"
          />
        </div>
        <div className="drover-nb-config-side" data-testid="netboot-config-subnets">
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('netboot.config.subnetsTitle')}
          </Typography.Title>
          <Typography.Paragraph type="secondary">{t('netboot.config.subnetsHelp')}</Typography.Paragraph>
          {subnets.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('netboot.config.subnetsNone')} />
          ) : (
            <>
              <Table<NetbootSubnetSummary>
                size="small"
                virtual
                rowKey="name"
                columns={subnetColumns}
                dataSource={subnets}
                pagination={false}
                scroll={{ y: 200 }}
                rowClassName={(s) => (s.name === current?.name ? 'drover-nb-row-selected' : '')}
                onRow={(s) => ({ onClick: () => setSelected(s.name), 'data-subnet': s.name, style: { cursor: 'pointer' } }) as HTMLAttributes<HTMLElement>}
              />
              {v?.ok && v.subnetCount > subnets.length && <Typography.Text type="secondary">{t('netboot.config.moreSubnets', { shown: subnets.length, total: v.subnetCount })}</Typography.Text>}
              {current ? <EtcdValues key={current.name} subnet={current} disabled={!fresh} /> : <Typography.Text type="secondary">{t('netboot.etcd.pick')}</Typography.Text>}
            </>
          )}
        </div>
      </div>
      {pathOpen && <ConfigPathDialog open onClose={() => setPathOpen(false)} current={status?.configPath ?? editor.path} />}
    </div>
  );
}
