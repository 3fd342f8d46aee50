import {
  CheckCircleFilled,
  ClockCircleOutlined,
  CloseCircleFilled,
  ExclamationCircleFilled,
  LoadingOutlined,
  PauseCircleOutlined,
  StopOutlined,
  SyncOutlined,
} from '@ant-design/icons';
import type { ForwardState, TunnelStatus } from '@contract/tunnels';
import { Tag } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../../components/use-now';

type TagColor = 'success' | 'processing' | 'warning' | 'error' | 'default';

const TUNNEL_LOOK: Record<TunnelStatus['state'], { color: TagColor; icon: ReactNode }> = {
  stopped: { color: 'default', icon: <PauseCircleOutlined /> },
  starting: { color: 'processing', icon: <LoadingOutlined /> },
  connecting: { color: 'processing', icon: <LoadingOutlined /> },
  up: { color: 'success', icon: <CheckCircleFilled /> },
  degraded: { color: 'warning', icon: <ExclamationCircleFilled /> },
  backoff: { color: 'warning', icon: <SyncOutlined /> },
  waiting: { color: 'warning', icon: <ClockCircleOutlined /> },
  failed: { color: 'error', icon: <CloseCircleFilled /> },
};

/** Seconds until retryAtMs, live; undefined when no retry is scheduled. */
export function useRetryCountdown(status: Pick<TunnelStatus, 'state' | 'retryAtMs'>): number | undefined {
  const counting = status.state === 'backoff' && status.retryAtMs !== undefined;
  const now = useNow(250, counting);
  if (!counting) return undefined;
  return Math.max(0, Math.ceil((status.retryAtMs! - now) / 1000));
}

/** The overall state of a tunnel, with the live countdown and attempt number while backing off. */
export function TunnelStateTag({ status }: { status: TunnelStatus }) {
  const { t } = useTranslation();
  const seconds = useRetryCountdown(status);
  const look = TUNNEL_LOOK[status.state];
  // The pool counts attempts from 0 (the first retry after a failure).
  const attempt = (status.attempt ?? 0) + 1;
  let text: string;
  switch (status.state) {
    case 'backoff':
      text = seconds ? t('tunnels.state.backoff', { seconds, attempt }) : t('tunnels.state.backoffNow', { attempt });
      break;
    case 'connecting':
      text = status.attempt ? t('tunnels.state.connectingAttempt', { attempt }) : t('tunnels.state.connecting');
      break;
    default:
      text = t(`tunnels.state.${status.state}`);
  }
  return (
    <Tag
      color={look.color}
      icon={look.icon}
      className="drover-tunnel-state"
      data-testid="tunnel-state"
      data-state={status.state}
      data-attempt={status.attempt}
      data-seconds={seconds}
    >
      {text}
    </Tag>
  );
}

const FORWARD_LOOK: Record<ForwardState, { color: TagColor; icon: ReactNode; key: string }> = {
  stopped: { color: 'default', icon: <PauseCircleOutlined />, key: 'stopped' },
  starting: { color: 'processing', icon: <LoadingOutlined />, key: 'starting' },
  listening: { color: 'processing', icon: <ClockCircleOutlined />, key: 'listening' },
  connecting: { color: 'processing', icon: <LoadingOutlined />, key: 'connecting' },
  up: { color: 'success', icon: <CheckCircleFilled />, key: 'up' },
  backoff: { color: 'warning', icon: <SyncOutlined />, key: 'backoff' },
  waiting: { color: 'warning', icon: <ClockCircleOutlined />, key: 'waiting' },
  'port-in-use': { color: 'error', icon: <StopOutlined />, key: 'portInUse' },
  failed: { color: 'error', icon: <CloseCircleFilled />, key: 'failed' },
};

export function ForwardStateTag({ state }: { state: ForwardState }) {
  const { t } = useTranslation();
  const look = FORWARD_LOOK[state];
  return (
    <Tag color={look.color} icon={look.icon} className="drover-forward-state" data-testid="forward-state" data-state={state}>
      {t(`tunnels.forwardState.${look.key as 'up'}`)}
    </Tag>
  );
}
