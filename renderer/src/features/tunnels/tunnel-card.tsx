import { CaretRightOutlined, DeleteOutlined, EditOutlined, PauseOutlined, ReloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import type { TunnelHistory, TunnelProfile, TunnelStatus } from '@contract/tunnels';
import { Alert, App, Button, Flex, Switch, Tag, Tooltip, Typography } from 'antd';
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../../components/use-now';
import { selectHostKeyPrompts } from '../../stores/ssh-store';
import { useSshStore } from '../../stores/stores';
import { useTunnelsStore } from './tunnels-hooks';
import { isRunningState, selectBusy, selectHistory, selectStatus, selectTunnelsFresh, selectTunnelsLive, stoppedStatus } from './tunnels-store';
import { ForwardTable } from './forward-table';
import { formatDuration } from '../../components/format';
import { profileUsesHost, routeParts } from './format';
import { TunnelStateTag, useRetryCountdown } from './state-tags';

export interface TunnelCardProps {
  profile: TunnelProfile;
  selected: boolean;
  onSelect(id: string): void;
  onEdit(id: string): void;
}

/** One tunnel: state, name and route, what keeps it from being up, actions, and its forwards. */
export const TunnelCard = memo(function TunnelCard({ profile, selected, onSelect, onEdit }: TunnelCardProps) {
  const { t } = useTranslation();
  const raw = useTunnelsStore(selectStatus(profile.id));
  const status = useMemo(() => raw ?? stoppedStatus(profile), [raw, profile]);
  const busy = useTunnelsStore(selectBusy(profile.id));
  const fresh = useTunnelsStore(selectTunnelsFresh);
  const running = isRunningState(status.state);
  const { target, jumps } = routeParts(profile);

  return (
    <section
      className={`drover-tunnel-card${selected ? ' drover-tunnel-card-selected' : ''}${fresh ? '' : ' drover-stale'}`}
      data-testid="tunnel-card"
      data-tunnel-id={profile.id}
      data-tunnel-name={profile.name}
      data-state={status.state}
      data-stale={!fresh}
      data-selected={selected}
      aria-current={selected ? 'true' : undefined}
      onMouseDown={() => onSelect(profile.id)}
    >
      <Flex className="drover-tunnel-head" gap={12} align="center" wrap>
        <TunnelStateTag status={status} />
        {!fresh && <StaleTag />}
        <div className="drover-tunnel-title">
          <Typography.Text strong className="drover-tunnel-name" data-testid="tunnel-name">
            {profile.name}
          </Typography.Text>
          <span className="drover-tunnel-route drover-mono" data-testid="tunnel-route">
            {target}
            {jumps.length > 0 && (
              <Typography.Text type="secondary" className="drover-tunnel-via">
                {' '}
                {t('tunnels.card.via')} {jumps.join(' → ')}
              </Typography.Text>
            )}
          </span>
        </div>
        {fresh && status.upSinceMs !== undefined && (status.state === 'up' || status.state === 'degraded') && <UpFor sinceMs={status.upSinceMs} />}
        <div style={{ flex: 1 }} />
        <AutostartSwitch profile={profile} running={running} disabled={!fresh} />
        <Flex gap={6} align="center">
          {(status.state === 'backoff' || status.state === 'waiting' || (status.state === 'failed' && isRetryable(status))) && (
            <RetryButton profile={profile} status={status} disabled={!fresh} />
          )}
          <StartStopButton profile={profile} running={running} busy={busy} disabled={!fresh} />
          <Tooltip title={`${t('tunnels.card.edit')} (E)`}>
            <Button icon={<EditOutlined aria-hidden />} onClick={() => onEdit(profile.id)} disabled={!fresh} aria-label={t('tunnels.card.edit')} data-testid="tunnel-edit" />
          </Tooltip>
          <DeleteButton profile={profile} running={running} disabled={!fresh} />
        </Flex>
      </Flex>
      <TunnelCause status={status} />
      <TunnelHistoryLine profileId={profile.id} />
      <HostKeyWaiting profile={profile} status={status} />
      <ForwardTable profileId={profile.id} forwards={status.forwards} running={running} tunnelError={status.state === 'failed' ? status.error : undefined} />
    </section>
  );
});

function UpFor({ sinceMs }: { sinceMs: number }) {
  const { t } = useTranslation();
  const now = useNow(5000, true);
  return (
    <Typography.Text type="secondary" className="drover-tunnel-upfor" data-testid="tunnel-upfor">
      {t('tunnels.card.upFor', { duration: formatDuration(now - sinceMs, t) })}
    </Typography.Text>
  );
}

/** A failed tunnel is stopped for good until a person acts: Start is its one action (no "Retry now" beside it). */
function isRetryable(_status: TunnelStatus): boolean {
  return false;
}

/** While the console is not connected to the services (or has no fresh snapshot yet), values are not live. */
function StaleTag() {
  const { t } = useTranslation();
  const live = useTunnelsStore(selectTunnelsLive);
  const now = useNow(1000, true);
  const age = live.updatedAtMs !== undefined ? formatDuration(Math.max(0, now - live.updatedAtMs), t) : undefined;
  return (
    <Tag color="default" className="drover-stale-tag" data-testid="tunnel-stale">
      {age ? t('live.staleValue', { age }) : t('live.connecting')}
    </Tag>
  );
}

function StartStopButton({ profile, running, busy, disabled }: { profile: TunnelProfile; running: boolean; busy: string | undefined; disabled: boolean }) {
  const { t } = useTranslation();
  const start = useTunnelsStore((s) => s.start);
  const stop = useTunnelsStore((s) => s.stop);
  if (running) {
    return (
      <Tooltip title={`${t('tunnels.card.stop')} (Enter)`}>
        <Button icon={<PauseOutlined aria-hidden />} loading={busy === 'stop'} disabled={disabled || (busy !== undefined && busy !== 'stop')} onClick={() => void stop(profile.id)} data-testid="tunnel-stop">
          {t('tunnels.card.stop')}
        </Button>
      </Tooltip>
    );
  }
  return (
    <Tooltip title={`${t('tunnels.card.start')} (Enter)`}>
      <Button
        type="primary"
        icon={<CaretRightOutlined aria-hidden />}
        loading={busy === 'start'}
        disabled={disabled || (busy !== undefined && busy !== 'start')}
        onClick={() => void start(profile.id)}
        data-testid="tunnel-start"
      >
        {t('tunnels.card.start')}
      </Button>
    </Tooltip>
  );
}

function RetryButton({ profile, status, disabled }: { profile: TunnelProfile; status: TunnelStatus; disabled: boolean }) {
  const { t } = useTranslation();
  const retryNow = useTunnelsStore((s) => s.retryNow);
  const busy = useTunnelsStore(selectBusy(profile.id));
  const seconds = useRetryCountdown(status);
  return (
    <Tooltip title={t('tunnels.card.retryHelp')}>
      <Button
        icon={<ReloadOutlined aria-hidden />}
        loading={busy === 'retry'}
        disabled={disabled || (busy !== undefined && busy !== 'retry')}
        onClick={() => void retryNow(profile.id)}
        data-testid="tunnel-retry"
      >
        {t('tunnels.card.retryNow')}
        {seconds ? <span className="drover-retry-seconds">{t('tunnels.card.retryIn', { seconds })}</span> : null}
      </Button>
    </Tooltip>
  );
}

function DeleteButton({ profile, running, disabled }: { profile: TunnelProfile; running: boolean; disabled: boolean }) {
  const { t } = useTranslation();
  const confirm = useConfirmDelete();
  return (
    <Tooltip title={`${t('tunnels.card.delete')} (Del)`}>
      <Button danger icon={<DeleteOutlined aria-hidden />} disabled={disabled} onClick={() => confirm(profile, running)} aria-label={t('tunnels.card.delete')} data-testid="tunnel-delete" />
    </Tooltip>
  );
}

/** Stopping from the keyboard names the tunnel and asks: a stray Enter must not drop live connections. */
export function useConfirmStop(): (profile: TunnelProfile) => void {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const stop = useTunnelsStore((s) => s.stop);
  return (profile) => {
    modal.confirm({
      title: t('tunnels.confirmStop.title', { name: profile.name }),
      content: <div data-testid="confirm-stop">{t('tunnels.confirmStop.body')}</div>,
      okText: t('tunnels.confirmStop.ok'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'confirm-stop-ok' } as Record<string, string>) },
      onOk: () => stop(profile.id),
    });
  };
}

/** Deleting names the tunnel and says what happens to a running one; nothing else deletes. */
export function useConfirmDelete(): (profile: TunnelProfile, running: boolean) => void {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const remove = useTunnelsStore((s) => s.remove);
  return (profile, running) => {
    modal.confirm({
      title: t('tunnels.confirmDelete.title', { name: profile.name }),
      content: (
        <div data-testid="confirm-delete">
          <p>{t('tunnels.confirmDelete.body')}</p>
          {running && <p>{t('tunnels.confirmDelete.running')}</p>}
        </div>
      ),
      okText: t('tunnels.confirmDelete.ok'),
      okButtonProps: { danger: true, ...({ 'data-testid': 'confirm-delete-ok' } as Record<string, string>) },
      onOk: () => remove(profile.id),
    });
  };
}

function AutostartSwitch({ profile, running, disabled }: { profile: TunnelProfile; running: boolean; disabled: boolean }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const setAutostart = useTunnelsStore((s) => s.setAutostart);
  const busy = useTunnelsStore(selectBusy(profile.id));
  const change = (on: boolean) => {
    if (!running) {
      void setAutostart(profile.id, on);
      return;
    }
    // Saving a profile restarts a running tunnel (the service applies settings by restarting).
    modal.confirm({
      title: t('tunnels.confirmRestart.title', { name: profile.name }),
      content: t('tunnels.confirmRestart.body'),
      okText: t('tunnels.confirmRestart.ok'),
      onOk: () => setAutostart(profile.id, on),
    });
  };
  return (
    <Tooltip title={t('tunnels.card.autostartHelp')}>
      <label className="drover-autostart">
        <Switch size="small" checked={profile.autostart} loading={busy === 'save'} disabled={disabled} onChange={change} data-testid="tunnel-autostart" />
        <Typography.Text type="secondary">{t('tunnels.card.autostart')}</Typography.Text>
      </label>
    </Tooltip>
  );
}

/** Why a tunnel is not up, with the service's hint how to fix it. */
function TunnelCause({ status }: { status: TunnelStatus }) {
  const { t } = useTranslation();
  const e = status.error;
  if (!e || (status.state !== 'backoff' && status.state !== 'waiting' && status.state !== 'failed')) return null;
  const hint = e.hint ?? t(`errors.${e.code}.hint`);
  return (
    <Alert
      className="drover-tunnel-cause"
      type={status.state === 'failed' ? 'error' : 'warning'}
      showIcon
      data-testid="tunnel-cause"
      data-code={e.code}
      title={
        <span>
          <Typography.Text strong>{t(`errors.${e.code}.title`)}</Typography.Text>
          {' — '}
          <span className="drover-mono" data-testid="tunnel-cause-message">
            {e.message}
          </span>
          {status.errorAtMs !== undefined && <ErrorSince atMs={status.errorAtMs} />}
        </span>
      }
      description={
        <span data-testid="tunnel-cause-hint">
          <Typography.Text strong>{t('toast.hint')}: </Typography.Text>
          {hint}
        </span>
      }
    />
  );
}

/** A tunnel that connects while one of its hosts' keys waits for approval says so. */
function HostKeyWaiting({ profile, status }: { profile: TunnelProfile; status: TunnelStatus }) {
  const { t } = useTranslation();
  const prompts = useSshStore(selectHostKeyPrompts);
  const reopen = useSshStore((s) => s.reopen);
  if (!isRunningState(status.state) || status.state === 'up') return null;
  const prompt = prompts.find((p) => profileUsesHost(profile, p.host, p.port));
  if (!prompt) return null;
  return (
    <Alert
      className="drover-tunnel-cause"
      type="info"
      showIcon
      icon={<SafetyCertificateOutlined aria-hidden />}
      data-testid="tunnel-hostkey-waiting"
      title={t('tunnels.card.hostKeyWaiting', { host: `${prompt.host}:${prompt.port}` })}
      action={
        <Button size="small" type="primary" onClick={() => reopen(prompt.id)} data-testid="tunnel-hostkey-review">
          {t('tunnels.card.hostKeyReview')}
        </Button>
      }
    />
  );
}

function ErrorSince({ atMs }: { atMs: number }) {
  const { t } = useTranslation();
  const now = useNow(1000, true);
  return (
    <Typography.Text type="secondary" className="drover-error-since" data-testid="tunnel-cause-since">
      {' '}
      {t('tunnels.history.since', { time: new Date(atMs).toLocaleTimeString(), ago: formatDuration(Math.max(0, now - atMs), t) })}
    </Typography.Text>
  );
}

/** What happened this session: reconnects, time spent down, and each outage with its length and cause. */
function TunnelHistoryLine({ profileId }: { profileId: string }) {
  const { t } = useTranslation();
  const history = useTunnelsStore(selectHistory(profileId));
  const now = useNow(1000, history?.outages.at(-1)?.toMs === undefined && (history?.outages.length ?? 0) > 0);
  if (!history || (history.outages.length === 0 && history.reconnects === 0)) return null;
  const open = history.outages.at(-1)?.toMs === undefined ? history.outages.at(-1) : undefined;
  const downMs = history.downMs + (open ? Math.max(0, now - open.fromMs) : 0);
  return (
    <details className="drover-tunnel-history" data-testid="tunnel-history">
      <summary>
        <Typography.Text type="secondary" data-testid="tunnel-history-summary">
          {t('tunnels.history.summary', { count: history.outages.length, reconnects: history.reconnects, down: formatDuration(downMs, t) })}
        </Typography.Text>
      </summary>
      <ol className="drover-tunnel-outages">
        {[...history.outages].reverse().map((o) => (
          <li key={o.fromMs} data-testid="tunnel-outage" data-duration-ms={o.toMs !== undefined ? o.toMs - o.fromMs : undefined}>
            <span className="drover-mono">{new Date(o.fromMs).toLocaleTimeString()}</span>
            {' → '}
            <span className="drover-mono">{o.toMs !== undefined ? new Date(o.toMs).toLocaleTimeString() : t('tunnels.history.ongoing')}</span>
            {' · '}
            {formatDuration((o.toMs ?? now) - o.fromMs, t)}
            {o.cause && (
              <Typography.Text type="secondary">
                {' · '}
                {o.cause.message}
              </Typography.Text>
            )}
          </li>
        ))}
      </ol>
      <HistoryEvents history={history} />
    </details>
  );
}

function HistoryEvents({ history }: { history: TunnelHistory }) {
  const { t } = useTranslation();
  const events = history.events.slice(-12).reverse();
  return (
    <ul className="drover-tunnel-events">
      {events.map((e, i) => (
        <li key={`${e.atMs}-${i}`}>
          <span className="drover-mono">{new Date(e.atMs).toLocaleTimeString()}</span>{' '}
          {e.state === 'backoff' ? t('tunnels.history.backoff', { attempt: (e.attempt ?? 0) + 1 }) : t(`tunnels.state.${e.state === 'connecting' ? 'connecting' : e.state}`)}
          {e.error && <Typography.Text type="secondary"> · {e.error.message}</Typography.Text>}
        </li>
      ))}
    </ul>
  );
}
