import { CheckCircleFilled, CloseCircleFilled, LoadingOutlined, MinusCircleFilled } from '@ant-design/icons';
import { Alert, Button, Dropdown, Flex, Modal, Progress, Table, Tag, Typography } from 'antd';
import { useMemo, type HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { actionLabel, BULK_ACTIONS, useDomainActions, type BulkAction } from './domain-actions';
import { useDomainsStore } from './domains-hooks';
import { isDestructive, selectBulk, selectSelection, type BulkRun } from './domains-store';

/** What a selection can do, shown while something is selected. */
export function BulkBar() {
  const { t } = useTranslation();
  const selection = useDomainsStore(selectSelection);
  const fresh = useDomainsStore((s) => s.live.fresh);
  const running = useDomainsStore((s) => s.bulk !== null && !s.bulk.done);
  const setSelection = useDomainsStore((s) => s.setSelection);
  const actions = useDomainActions();
  if (selection.length === 0) return null;
  const primary: BulkAction[] = ['start', 'shutdown', 'suspend', 'resume'];
  const rest = BULK_ACTIONS.filter((a) => !primary.includes(a));
  const disabled = !fresh || running;
  return (
    <Flex align="center" gap={8} wrap className="drover-domain-bulkbar" data-testid="domain-bulkbar" data-count={selection.length}>
      <Typography.Text strong>{t('domains.bulk.selected', { count: selection.length })}</Typography.Text>
      {primary.map((a) => (
        <Button key={a} size="small" disabled={disabled} onClick={() => actions.runBulk(selection, a)} data-testid={`domain-bulk-${a}`}>
          {actionLabel(t, a)}
        </Button>
      ))}
      <Dropdown
        disabled={disabled}
        menu={{
          items: rest.map((a) => ({ key: a, danger: isDestructive(a), label: <span data-testid={`domain-bulk-menu-${a}`}>{`${actionLabel(t, a)}${isDestructive(a) ? '…' : ''}`}</span> })),
          onClick: ({ key }) => actions.runBulk(selection, key as BulkAction),
        }}
      >
        <Button size="small" data-testid="domain-bulk-more">
          {t('domains.table.more')}
        </Button>
      </Dropdown>
      <Button size="small" type="link" onClick={() => setSelection([])} data-testid="domain-bulk-clear">
        {t('domains.bulk.clear')}
      </Button>
    </Flex>
  );
}

type Tone = 'pending' | 'ok' | 'error' | 'stopped';

function toneOf(run: BulkRun, i: number): Tone {
  const r = run.results[i];
  if (!r) return run.done ? 'stopped' : 'pending';
  return r.ok ? 'ok' : 'error';
}

const TONE_ICON = {
  pending: <LoadingOutlined />,
  ok: <CheckCircleFilled style={{ color: 'var(--ant-color-success)' }} />,
  error: <CloseCircleFilled style={{ color: 'var(--ant-color-error)' }} />,
  stopped: <MinusCircleFilled style={{ color: 'var(--ant-color-text-tertiary)' }} />,
};

/** The result of a bulk action, one line per domain (output or virsh's error), filled in as each ends. */
export function BulkResults() {
  const { t } = useTranslation();
  const run = useDomainsStore(selectBulk);
  const hosts = useDomainsStore((s) => s.hosts);
  const cancel = useDomainsStore((s) => s.cancelBulk);
  const clear = useDomainsStore((s) => s.clearBulk);
  const rows = useMemo(() => (run ? run.targets.map((target, i) => ({ i, target, tone: toneOf(run, i), result: run.results[i] })) : []), [run]);
  if (!run) return null;
  const finished = run.results.filter(Boolean).length;
  const failed = run.results.filter((r) => r && !r.ok).length;
  return (
    <Modal
      open
      width={900}
      title={t('domains.bulk.title', { action: actionLabel(t, run.action), count: run.targets.length })}
      onCancel={clear}
      footer={
        <Flex justify="flex-end" gap={8}>
          {!run.done && (
            <Button onClick={cancel} data-testid="domain-bulk-cancel">
              {t('domains.bulk.cancel')}
            </Button>
          )}
          <Button type="primary" onClick={clear} data-testid="domain-bulk-close">
            {t('domains.bulk.close')}
          </Button>
        </Flex>
      }
    >
      <div data-testid="domain-bulk-results" data-done={run.done ? 'true' : 'false'} data-failed={failed} data-finished={finished}>
        <Flex align="center" gap={12} style={{ marginBottom: 8 }}>
          <Progress percent={Math.round((finished / run.targets.length) * 100)} status={run.done ? (failed ? 'exception' : 'success') : 'active'} style={{ flex: 1 }} size="small" />
          <Typography.Text>{t('domains.bulk.summary', { done: finished, total: run.targets.length, failed })}</Typography.Text>
        </Flex>
        {run.cancelled && <Alert type="info" showIcon title={t('domains.bulk.cancelled')} style={{ marginBottom: 8 }} />}
        {run.error && <Alert type="error" showIcon title={run.error.message} style={{ marginBottom: 8 }} />}
        <Table
          size="small"
          pagination={false}
          rowKey="i"
          dataSource={rows}
          scroll={{ y: 420 }}
          virtual={rows.length > 100}
          onRow={(r) => ({ 'data-testid': 'domain-bulk-row', 'data-tone': r.tone, 'data-name': r.target.name }) as HTMLAttributes<HTMLElement>}
          columns={[
            { title: '', key: 'tone', width: 36, render: (_v, r) => TONE_ICON[r.tone] },
            { title: t('domains.table.name'), key: 'name', width: 200, render: (_v, r) => <Typography.Text strong>{r.target.name}</Typography.Text> },
            { title: t('domains.table.host'), key: 'host', width: 140, render: (_v, r) => hosts[r.target.hostId]?.config.name ?? r.target.hostId },
            {
              title: t('domains.bulk.outcome'),
              key: 'outcome',
              render: (_v, r) =>
                r.result ? (
                  r.result.ok ? (
                    <Typography.Text className="drover-mono">{r.result.output || t('domains.bulk.ok')}</Typography.Text>
                  ) : (
                    <span>
                      <Tag color="error">{r.result.error?.code}</Tag>
                      <Typography.Text type="danger" className="drover-mono">
                        {r.result.error?.message}
                      </Typography.Text>
                    </span>
                  )
                ) : (
                  <Typography.Text type="secondary">{r.tone === 'stopped' ? t('domains.bulk.notRun') : t('domains.bulk.running')}</Typography.Text>
                ),
            },
          ]}
        />
      </div>
    </Modal>
  );
}
