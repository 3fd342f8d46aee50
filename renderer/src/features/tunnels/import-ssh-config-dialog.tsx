import { ReloadOutlined } from '@ant-design/icons';
import { AppError } from '@contract/errors';
import { forwardLabel, type SshConfigHost } from '@contract/tunnels';
import { Alert, Button, Empty, Flex, Modal, Popover, Spin, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { useTunnelsStore } from './tunnels-hooks';
import type { SshConfigImport } from './tunnels-store';
import { hopLabel } from '@contract/ssh';
import { Warnings } from './import-command-dialog';
import { profileToValues, type TunnelFormInit } from './tunnel-form';

/**
 * The Host aliases of ~/.ssh/config (on the machine running the service), resolved like ssh -G.
 * Choosing one opens the new-tunnel form filled with its target, jump hosts, keepalive and forwards.
 */
export function ImportSshConfigDialog({ open, onClose, onUse }: { open: boolean; onClose(): void; onUse(init: TunnelFormInit): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} width={980} destroyOnHidden footer={null} title={t('tunnels.sshConfig.title')}>
      <SshConfigBody onClose={onClose} onUse={onUse} />
    </Modal>
  );
}

type Load = { status: 'loading' } | { status: 'ok'; data: SshConfigImport } | { status: 'error'; error: AppError };

function SshConfigBody({ onClose, onUse }: { onClose(): void; onUse(init: TunnelFormInit): void }) {
  const { t } = useTranslation();
  const importSshConfig = useTunnelsStore((s) => s.importSshConfig);
  const [load, setLoad] = useState<Load>({ status: 'loading' });

  const fetchHosts = useCallback(async () => {
    try {
      setLoad({ status: 'ok', data: await importSshConfig() });
    } catch (err) {
      setLoad({ status: 'error', error: AppError.from(err) });
    }
  }, [importSshConfig]);

  useEffect(() => {
    let alive = true;
    importSshConfig().then(
      (data) => alive && setLoad({ status: 'ok', data }),
      (err: unknown) => alive && setLoad({ status: 'error', error: AppError.from(err) }),
    );
    return () => {
      alive = false;
    };
  }, [importSshConfig]);

  const use = (h: SshConfigHost) => {
    onUse({
      mode: 'create',
      values: profileToValues({ name: h.alias, target: h.target, jumps: h.jumps, forwards: h.forwards, keepalive: h.keepalive }),
      note: h.forwards.length === 0 ? t('tunnels.sshConfig.noForwardsNote', { alias: h.alias }) : t('tunnels.sshConfig.checkNote', { alias: h.alias }),
    });
    onClose();
  };

  if (load.status === 'loading') {
    return (
      <Flex align="center" gap={8} style={{ padding: 24 }} data-testid="ssh-config-loading">
        <Spin size="small" /> <Typography.Text type="secondary">{t('tunnels.sshConfig.loading')}</Typography.Text>
      </Flex>
    );
  }
  if (load.status === 'error') {
    return (
      <Alert
        type="error"
        showIcon
        data-testid="ssh-config-error"
        title={t('tunnels.sshConfig.cannotRead')}
        description={<ErrorDetails error={load.error} action="importSshConfig" />}
        action={
          <Button size="small" icon={<ReloadOutlined aria-hidden />} onClick={() => void fetchHosts()}>
            {t('tunnels.sshConfig.reload')}
          </Button>
        }
      />
    );
  }
  const { data } = load;
  return (
    <div data-testid="ssh-config-dialog">
      <Typography.Paragraph type="secondary">
        {t('tunnels.sshConfig.intro')} <span className="drover-mono">{data.path}</span>
      </Typography.Paragraph>
      {data.warnings.length > 0 && <Warnings warnings={data.warnings} testId="ssh-config-warnings" />}
      {data.hosts.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('tunnels.sshConfig.none')} />
      ) : (
        <Table<SshConfigHost>
          size="small"
          rowKey="alias"
          pagination={false}
          scroll={{ y: 420 }}
          dataSource={data.hosts as SshConfigHost[]}
          onRow={(h) => ({ 'data-testid': 'ssh-config-host', 'data-alias': h.alias }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { key: 'alias', title: t('tunnels.sshConfig.alias'), width: 150, render: (_, h) => <Typography.Text strong>{h.alias}</Typography.Text> },
            {
              key: 'target',
              title: t('tunnels.form.target'),
              render: (_, h) => (
                <div>
                  <span className="drover-mono">{hopLabel(h.target)}</span>
                  {h.jumps.length > 0 && (
                    <div>
                      <Typography.Text type="secondary">{t('tunnels.card.via')} </Typography.Text>
                      <span className="drover-mono">{h.jumps.map(hopLabel).join(' → ')}</span>
                    </div>
                  )}
                </div>
              ),
            },
            {
              key: 'forwards',
              title: t('tunnels.form.forwards'),
              render: (_, h) =>
                h.forwards.length === 0 ? (
                  <Typography.Text type="secondary">{t('tunnels.sshConfig.noForwards')}</Typography.Text>
                ) : (
                  <ul className="drover-import-list">
                    {h.forwards.map((f) => (
                      <li key={f.id} className="drover-mono">
                        {forwardLabel(f)}
                      </li>
                    ))}
                  </ul>
                ),
            },
            {
              key: 'keepalive',
              title: t('tunnels.import.keepalive'),
              width: 110,
              render: (_, h) => (h.keepalive ? <span className="drover-mono">{`${h.keepalive.intervalSec} s × ${h.keepalive.countMax}`}</span> : <Typography.Text type="secondary">—</Typography.Text>),
            },
            {
              key: 'warnings',
              title: t('tunnels.sshConfig.warnings'),
              width: 110,
              render: (_, h) =>
                h.warnings.length === 0 ? (
                  <Typography.Text type="secondary">—</Typography.Text>
                ) : (
                  <Popover content={<Warnings warnings={h.warnings} testId="ssh-config-host-warnings" />} trigger={['hover', 'click']} styles={{ root: { maxWidth: 520 } }}>
                    <Tag color="warning" style={{ cursor: 'pointer' }}>
                      {t('tunnels.import.warnings', { count: h.warnings.length })}
                    </Tag>
                  </Popover>
                ),
            },
            {
              key: 'use',
              width: 96,
              render: (_, h) => (
                <Button size="small" type="primary" onClick={() => use(h)} data-testid="ssh-config-use">
                  {t('tunnels.sshConfig.use')}
                </Button>
              ),
            },
          ]}
        />
      )}
    </div>
  );
}
