import { CaretRightOutlined, DeleteOutlined, EditOutlined, PauseOutlined, ReloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import type { TunnelProfile, TunnelStatus } from '@contract/tunnels';
import { Alert, App, Button, Flex, Switch, Tooltip, Typography } from 'antd';
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../../components/use-now';
import { selectHostKeyPrompts } from '../../stores/ssh-store';
import { useSshStore } from '../../stores/stores';
import { useTunnelsStore } from './tunnels-hooks';
import { isRunningState, selectBusy, selectStatus, stoppedStatus } from './tunnels-store';
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
  const running = isRunningState(status.state);
  const { target, jumps } = routeParts(profile);

  return (
    <section
      className={`drover-tunnel-card${selected ? ' drover-tunnel-card-selected' : ''}`}
      data-testid="tunnel-card"
      data-tunnel-id={profile.id}
      data-tunnel-name={profile.name}
      data-state={status.state}
      data-selected={selected}
      aria-current={selected ? 'true' : undefined}
      onMouseDown={() => onSelect(profile.id)}
    >
      <Flex className="drover-tunnel-head" gap={12} align="center" wrap>
        <TunnelStateTag status={status} />
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
        {status.upSinceMs !== undefined && (status.state === 'up' || status.state === 'degraded') && <UpFor sinceMs={status.upSinceMs} />}
        <div style={{ flex: 1 }} />
        <AutostartSwitch profile={profile} running={running} />
        <Flex gap={6} align="center">
          {(status.state === 'backoff' || status.state === 'failed' || status.state === 'waiting') && (
            <RetryButton profile={profile} status={status} />
          )}
          <StartStopButton profile={profile} running={running} busy={busy} />
          <Tooltip title={`${t('tunnels.card.edit')} (E)`}>
            <Button icon={<EditOutlined />} onClick={() => onEdit(profile.id)} aria-label={t('tunnels.card.edit')} data-testid="tunnel-edit" />
          </Tooltip>
          <DeleteButton profile={profile} running={running} />
        </Flex>
      </Flex>
      <TunnelCause status={status} />
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

function StartStopButton({ profile, running, busy }: { profile: TunnelProfile; running: boolean; busy: string | undefined }) {
  const { t } = useTranslation();
  const start = useTunnelsStore((s) => s.start);
  const stop = useTunnelsStore((s) => s.stop);
  if (running) {
    return (
      <Tooltip title={`${t('tunnels.card.stop')} (Enter)`}>
        <Button icon={<PauseOutlined />} loading={busy === 'stop'} disabled={busy !== undefined && busy !== 'stop'} onClick={() => void stop(profile.id)} data-testid="tunnel-stop">
          {t('tunnels.card.stop')}
        </Button>
      </Tooltip>
    );
  }
  return (
    <Tooltip title={`${t('tunnels.card.start')} (Enter)`}>
      <Button
        type="primary"
        icon={<CaretRightOutlined />}
        loading={busy === 'start'}
        disabled={busy !== undefined && busy !== 'start'}
        onClick={() => void start(profile.id)}
        data-testid="tunnel-start"
      >
        {t('tunnels.card.start')}
      </Button>
    </Tooltip>
  );
}

function RetryButton({ profile, status }: { profile: TunnelProfile; status: TunnelStatus }) {
  const { t } = useTranslation();
  const retryNow = useTunnelsStore((s) => s.retryNow);
  const busy = useTunnelsStore(selectBusy(profile.id));
  const seconds = useRetryCountdown(status);
  return (
    <Tooltip title={t('tunnels.card.retryHelp')}>
      <Button
        icon={<ReloadOutlined />}
        loading={busy === 'retry'}
        disabled={busy !== undefined && busy !== 'retry'}
        onClick={() => void retryNow(profile.id)}
        data-testid="tunnel-retry"
      >
        {t('tunnels.card.retryNow')}
        {seconds ? <span className="drover-retry-seconds">{t('tunnels.card.retryIn', { seconds })}</span> : null}
      </Button>
    </Tooltip>
  );
}

function DeleteButton({ profile, running }: { profile: TunnelProfile; running: boolean }) {
  const { t } = useTranslation();
  const confirm = useConfirmDelete();
  return (
    <Tooltip title={`${t('tunnels.card.delete')} (Del)`}>
      <Button danger icon={<DeleteOutlined />} onClick={() => confirm(profile, running)} aria-label={t('tunnels.card.delete')} data-testid="tunnel-delete" />
    </Tooltip>
  );
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

function AutostartSwitch({ profile, running }: { profile: TunnelProfile; running: boolean }) {
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
        <Switch size="small" checked={profile.autostart} loading={busy === 'save'} onChange={change} data-testid="tunnel-autostart" />
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
      icon={<SafetyCertificateOutlined />}
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
