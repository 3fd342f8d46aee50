import { ReloadOutlined } from '@ant-design/icons';
import { Button, Descriptions, Popover } from 'antd';
import { useTranslation } from 'react-i18next';
import { useConnectionStore } from '../stores/stores';
import { useConnectionText } from './use-connection-text';

/**
 * The always-visible link state in the header: transport and status, green / amber / red. A click
 * shows the details (since when, attempts, cause, what to do) and a "Retry now" button.
 */
export function ConnectionIndicator() {
  const { t, i18n } = useTranslation();
  const text = useConnectionText();
  const retryNow = useConnectionStore((s) => s.retryNow);
  const { state } = text;
  const time = (ms: number) => new Date(ms).toLocaleTimeString(i18n.language);

  const items = [
    { key: 'transport', label: t('connection.fieldTransport'), children: text.transportLabel },
    { key: 'status', label: t('connection.fieldStatus'), children: text.status },
  ];
  if (state.status === 'open') items.push({ key: 'since', label: t('connection.fieldSince'), children: time(state.sinceMs) });
  if (state.status === 'reconnecting') {
    items.push(
      { key: 'down', label: t('connection.fieldDownSince'), children: time(state.downSinceMs) },
      { key: 'attempt', label: t('connection.fieldAttempt'), children: String(state.attempt) },
      {
        key: 'next',
        label: t('connection.fieldNextRetry'),
        children:
          text.retryInSeconds === undefined ? t('connection.nextRetryNow') : t('connection.nextRetryIn', { seconds: text.retryInSeconds }),
      },
    );
  }
  const cause = state.status === 'reconnecting' || state.status === 'closed' ? state.cause : undefined;
  if (cause) items.push({ key: 'cause', label: t('connection.fieldCause'), children: cause.message });
  if (text.hint) items.push({ key: 'hint', label: t('connection.fieldHint'), children: text.hint });

  const content = (
    <div className="drover-connection-details" data-testid="connection-details">
      <Descriptions size="small" column={1} bordered items={items} styles={{ label: { whiteSpace: 'nowrap' } }} />
      {state.status !== 'open' && state.status !== 'connecting' && (
        <Button size="small" icon={<ReloadOutlined aria-hidden />} onClick={retryNow} style={{ marginTop: 8 }} data-testid="connection-retry">
          {t('connection.retryNow')}
        </Button>
      )}
    </div>
  );

  return (
    <Popover content={content} title={t('connection.details')} trigger="click" placement="bottomRight">
      <button
        type="button"
        className={`drover-conn drover-conn-${text.tone}`}
        data-testid="connection-indicator"
        data-status={state.status}
        data-tone={text.tone}
        data-transport={text.transport}
      >
        <span className="drover-conn-dot" aria-hidden />
        <span className="drover-conn-transport">{text.transportLabel}</span>
        <span className="drover-conn-status" data-testid="connection-status">
          {text.status}
        </span>
      </button>
    </Popover>
  );
}
