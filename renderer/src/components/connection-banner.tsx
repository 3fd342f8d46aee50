import { ReloadOutlined } from '@ant-design/icons';
import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { useConnectionStore } from '../stores/stores';
import { useConnectionText } from './use-connection-text';

/**
 * While the link is down for more than a blink (red), or refused, a banner above the page says
 * so, why, and what to do: at 3 a.m. nobody should have to discover it by clicking.
 */
export function ConnectionBanner() {
  const { t } = useTranslation();
  const text = useConnectionText();
  const retryNow = useConnectionStore((s) => s.retryNow);
  const { state } = text;
  if (text.tone !== 'error' || (state.status !== 'reconnecting' && state.status !== 'closed')) return null;
  if (state.status === 'closed' && state.reason === 'disposed') return null;
  return (
    <Alert
      type="error"
      showIcon
      className="drover-connection-banner"
      data-testid="connection-banner"
      title={`${text.transportLabel}: ${text.status}`}
      description={
        <>
          {state.cause && <div className="drover-mono">{state.cause.message}</div>}
          {text.hint && <div>{text.hint}</div>}
        </>
      }
      action={
        <Button size="small" icon={<ReloadOutlined aria-hidden />} onClick={retryNow}>
          {t('connection.retryNow')}
        </Button>
      }
    />
  );
}
