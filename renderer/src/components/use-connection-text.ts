import { useTranslation } from 'react-i18next';
import type { ConnectionState } from '../api/reconnecting-connection';
import type { TransportKind } from '../api/transport';
import { selectConnection, selectConnectionTone, selectTransport, type ConnectionTone } from '../stores/connection-store';
import { useConnectionStore } from '../stores/stores';
import { useNow } from './use-now';

export interface ConnectionText {
  readonly state: ConnectionState;
  readonly tone: ConnectionTone;
  readonly transport: TransportKind;
  readonly transportLabel: string;
  /** One short line: "Connected", "Reconnecting in 3 s", "Not authorized". */
  readonly status: string;
  /** What the user should do while the link is not open. */
  readonly hint: string | undefined;
  /** Seconds until the next automatic retry, if one is scheduled. */
  readonly retryInSeconds: number | undefined;
}

/** The connection as words, with a live countdown; shared by the indicator and the banner. */
export function useConnectionText(): ConnectionText {
  const { t } = useTranslation();
  const state = useConnectionStore(selectConnection);
  const tone = useConnectionStore(selectConnectionTone);
  const transport = useConnectionStore(selectTransport);
  const counting = state.status === 'reconnecting' && state.nextRetryAtMs !== null;
  const now = useNow(250, counting);

  let retryInSeconds: number | undefined;
  if (state.status === 'reconnecting' && state.nextRetryAtMs !== null) {
    retryInSeconds = Math.max(0, Math.ceil((state.nextRetryAtMs - now) / 1000));
  }

  let status: string;
  switch (state.status) {
    case 'open':
      status = t('connection.status.open');
      break;
    case 'connecting':
      status = t('connection.status.connecting');
      break;
    case 'reconnecting':
      if (tone === 'error') {
        status =
          retryInSeconds === undefined
            ? t('connection.status.disconnectedDialing')
            : t('connection.status.disconnected', { seconds: retryInSeconds });
      } else {
        status = retryInSeconds === undefined ? t('connection.status.dialing') : t('connection.status.reconnecting', { seconds: retryInSeconds });
      }
      break;
    case 'closed':
      status = state.reason === 'unauthorized' ? t('connection.status.unauthorized') : state.reason === 'gone' ? t('connection.status.gone') : t('connection.status.disposed');
      break;
  }

  let hint: string | undefined;
  if (state.status === 'closed' && state.reason === 'unauthorized') hint = t('connection.hint.unauthorized');
  else if (state.status === 'closed' && state.reason === 'gone') hint = t('connection.hint.gone');
  else if (state.status === 'reconnecting') hint = t(`connection.hint.${transport}`);

  return { state, tone, transport, transportLabel: t(`connection.transport.${transport}`), status, hint, retryInSeconds };
}
