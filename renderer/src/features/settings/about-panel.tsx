import { CheckCircleOutlined, CloseCircleOutlined, ReloadOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Divider, Empty, Flex, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../../components/error-details';
import { noticeText } from '../../i18n/notice-text';
import { selectInfo, selectNotices, selectPing } from '../../stores/app-store';
import { selectTransport } from '../../stores/connection-store';
import { useAppStore, useConnectionStore } from '../../stores/stores';

/** What Drover runs as (system.info) and a ping round trip over the live transport. */
export function AboutPanel() {
  const { t, i18n } = useTranslation();
  const info = useAppStore(selectInfo);
  const infoError = useAppStore((s) => s.infoError);
  const infoLoading = useAppStore((s) => s.infoLoading);
  const refreshInfo = useAppStore((s) => s.refreshInfo);
  const ping = useAppStore(selectPing);
  const sendPing = useAppStore((s) => s.sendPing);
  const notices = useAppStore(selectNotices);
  const transport = useConnectionStore(selectTransport);
  const mono = (v: string, testid?: string) => (
    <span className="drover-mono" data-testid={testid}>
      {v}
    </span>
  );

  return (
    <Card
      title={t('about.title')}
      size="small"
      data-testid="about-panel"
      extra={
        <Button size="small" type="text" icon={<ReloadOutlined aria-hidden />} loading={infoLoading} onClick={() => void refreshInfo()}>
          {t('about.reload')}
        </Button>
      }
    >
      {info ? (
        <Descriptions
          size="small"
          bordered
          column={1}
          styles={{ label: { width: 150 } }}
          data-testid="system-info"
          items={[
            { key: 'version', label: t('about.version'), children: mono(info.version, 'info-version') },
            { key: 'transport', label: t('about.transport'), children: t(`connection.transport.${info.transport}`) },
            { key: 'platform', label: t('about.platform'), children: mono(info.platform) },
            { key: 'node', label: t('about.node'), children: mono(info.node) },
            { key: 'pid', label: t('about.pid'), children: mono(String(info.pid)) },
            { key: 'started', label: t('about.startedAt'), children: mono(new Date(info.startedAtMs).toLocaleString(i18n.language)) },
            { key: 'configDir', label: t('about.configDir'), children: mono(info.configDir, 'info-config-dir') },
          ]}
        />
      ) : infoError ? (
        <Alert type="error" showIcon title={t(`errors.${infoError.code}.title`)} description={<ErrorDetails error={infoError} action="loadInfo" />} />
      ) : (
        <Typography.Text type="secondary">{t('about.notLoaded')}</Typography.Text>
      )}

      <Divider titlePlacement="start" plain style={{ margin: '16px 0 8px' }}>
        {t('about.pingTitle')}
      </Divider>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {t('about.pingIntro')} ({t(`connection.transport.${transport}`)})
      </Typography.Paragraph>
      <Flex gap={12} align="flex-start" wrap>
        <Button icon={<SendOutlined aria-hidden />} onClick={() => void sendPing()} loading={ping.status === 'pending'} data-testid="ping-button">
          {t('about.ping')}
        </Button>
        {ping.status !== 'idle' && (
          <Descriptions
            size="small"
            column={1}
            className="drover-ping-result"
            data-testid="ping-result"
            data-status={ping.status}
            items={[
              { key: 'sent', label: t('about.pingSent'), children: mono(ping.sent, 'ping-sent') },
              ...(ping.status === 'ok'
                ? [
                    {
                      key: 'echo',
                      label: t('about.pingEcho'),
                      children: (
                        <Flex gap={8} align="center">
                          {mono(ping.echo, 'ping-echo')}
                          {ping.echo === ping.sent ? (
                            <Tag color="success" icon={<CheckCircleOutlined aria-hidden />}>
                              {t('about.pingMatch')}
                            </Tag>
                          ) : (
                            <Tag color="error" icon={<CloseCircleOutlined aria-hidden />}>
                              {t('about.pingMismatch')}
                            </Tag>
                          )}
                        </Flex>
                      ),
                    },
                    { key: 'rtt', label: t('about.pingRtt'), children: mono(t('about.pingMs', { ms: ping.rttMs.toFixed(1) }), 'ping-rtt') },
                  ]
                : []),
              ...(ping.status === 'error'
                ? [{ key: 'error', label: t('connection.fieldCause'), children: <ErrorDetails error={ping.error} action="ping" /> }]
                : []),
            ]}
          />
        )}
      </Flex>

      <Divider titlePlacement="start" plain style={{ margin: '16px 0 8px' }}>
        {t('about.notices')}
      </Divider>
      {notices.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('about.noNotices')} style={{ margin: 0 }} />
      ) : (
        <ul className="drover-notice-list" data-testid="notice-list">
          {notices.map((n) => (
            <li key={n.id}>
              <Tag color={n.level === 'error' ? 'error' : n.level === 'warning' ? 'warning' : 'processing'}>{t(`toast.notice.${n.level}`)}</Tag>
              <span>{noticeText(i18n, n)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
