import { CheckCircleFilled, ClockCircleOutlined, CloseCircleFilled, DisconnectOutlined, LoadingOutlined } from '@ant-design/icons';
import type { SourceHealth } from '@contract/live';
import { Tag, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration } from './format';
import { useNow } from './use-now';

/** What a panel knows about where its data comes from. */
export interface LiveSource {
  /** The link to Drover's services is open. */
  readonly connected: boolean;
  /** Connected, and a snapshot arrived since the last (re)connect. */
  readonly fresh: boolean;
  /** The source's own health (absent for sources that are Drover itself, e.g. tunnels). */
  readonly health?: SourceHealth | undefined;
  /** server clock − local clock. */
  readonly clockOffsetMs: number;
  /** Local time the data last changed (its age when the link is down). */
  readonly updatedAtMs?: number | undefined;
}

export type LiveLook = 'live' | 'connecting' | 'stale' | 'down' | 'disconnected';

/** How a panel's data must be drawn: 'disconnected' and 'stale' grey everything out, with the age. */
export function liveLook(source: LiveSource): LiveLook {
  if (!source.connected) return 'disconnected';
  if (!source.fresh) return 'connecting';
  const state = source.health?.state ?? 'live';
  return state;
}

const ICONS: Record<LiveLook, ReactNode> = {
  live: <CheckCircleFilled />,
  connecting: <LoadingOutlined />,
  stale: <ClockCircleOutlined />,
  down: <CloseCircleFilled />,
  disconnected: <DisconnectOutlined />,
};
const COLORS: Record<LiveLook, string> = { live: 'success', connecting: 'processing', stale: 'warning', down: 'error', disconnected: 'error' };

/**
 * The one header line for live data: its state, the data's age, and why it is not live (with the
 * Drover tunnel when the tunnel is the cause, and a hint). Every live panel shows it.
 */
export function LiveStatus({ source, testId = 'live-status' }: { source: LiveSource; testId?: string }) {
  const { t } = useTranslation();
  const look = liveLook(source);
  const now = useNow(1000, true);
  const serverNow = now + source.clockOffsetMs;
  const h = source.health;
  const dataAt = h?.dataAtMs !== undefined ? h.dataAtMs : source.updatedAtMs !== undefined ? source.updatedAtMs + source.clockOffsetMs : undefined;
  const age = dataAt !== undefined ? formatDuration(Math.max(0, serverNow - dataAt), t) : undefined;
  const since = h ? formatDuration(Math.max(0, serverNow - h.sinceMs), t) : undefined;

  let text: string;
  switch (look) {
    case 'live':
      text = age ? t('live.liveAge', { age }) : t('live.live');
      break;
    case 'connecting':
      text = t('live.connecting');
      break;
    case 'stale':
      text = age ? t('live.staleAge', { age }) : t('live.stale');
      break;
    case 'down':
      text = since ? t('live.downFor', { since }) : t('live.down');
      break;
    case 'disconnected':
      text = age ? t('live.disconnectedAge', { age }) : t('live.disconnected');
      break;
  }
  const cause = look === 'disconnected' ? undefined : h?.cause;
  const via = h?.via;
  const retryIn = via?.retryAtMs !== undefined ? Math.max(0, Math.ceil((via.retryAtMs - serverNow) / 1000)) : undefined;
  const nextIn = h?.nextAttemptAtMs !== undefined ? Math.max(0, Math.ceil((h.nextAttemptAtMs - serverNow) / 1000)) : undefined;

  return (
    <span className={`drover-live-status drover-live-${look}`} data-testid={testId} data-look={look}>
      <Tag color={COLORS[look]} icon={ICONS[look]} className="drover-live-tag">
        {text}
      </Tag>
      {look === 'disconnected' && <Typography.Text type="secondary">{t('live.disconnectedHint')}</Typography.Text>}
      {cause && look !== 'live' && (
        <Tooltip title={cause.hint ?? t(`errors.${cause.code}.hint`)}>
          <Typography.Text type={look === 'down' ? 'danger' : 'warning'} className="drover-live-cause" data-testid={`${testId}-cause`}>
            {cause.message}
          </Typography.Text>
        </Tooltip>
      )}
      {via && look !== 'live' && (
        <Typography.Text type="secondary" className="drover-live-via" data-testid={`${testId}-via`}>
          {retryIn !== undefined ? t('live.viaRetry', { name: via.name, state: via.state, seconds: retryIn }) : t('live.via', { name: via.name, state: via.state })}
        </Typography.Text>
      )}
      {!via && nextIn !== undefined && look !== 'live' && look !== 'disconnected' && (
        <Typography.Text type="secondary">{t('live.nextAttempt', { seconds: nextIn })}</Typography.Text>
      )}
    </span>
  );
}
