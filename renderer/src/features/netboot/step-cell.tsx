import { CheckCircleFilled, CloseCircleFilled, ExclamationCircleFilled, MinusOutlined, SyncOutlined } from '@ant-design/icons';
import type { NetbootOutcome, TimelineEvent } from '@contract/netboot';
import { Tooltip } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../../components/format';

export const OUTCOME_ICON: Record<NetbootOutcome, ReactNode> = {
  ok: <CheckCircleFilled />,
  fallback: <SyncOutlined />,
  refused: <CloseCircleFilled />,
  unavailable: <ExclamationCircleFilled />,
  failed: <CloseCircleFilled />,
};

/** A server timestamp as local wall-clock time (HH:MM:SS). */
export function clockTime(serverMs: number, clockOffsetMs: number, language: string): string {
  return new Date(serverMs - clockOffsetMs).toLocaleTimeString(language, { hour12: false });
}

/** The words of an event beyond its outcome: status, file, size, duration, repeats, reason. */
export function useEventDetail(): (e: TimelineEvent) => string {
  const { t, i18n } = useTranslation();
  return (e) => {
    const parts = [t('netboot.cell.status', { status: e.status })];
    if (e.path !== undefined) parts.push(e.path);
    if (e.bytes !== undefined) parts.push(t('netboot.cell.bytes', { size: formatBytes(e.bytes, i18n.language) }));
    if (e.durationMs !== undefined) parts.push(t('netboot.cell.duration', { ms: Math.round(e.durationMs) }));
    if (e.count > 1) parts.push(t('netboot.cell.count', { count: e.count }));
    if (e.reason !== undefined) parts.push(e.reason);
    return parts.join(' · ');
  };
}

/** One step of a machine's current boot: outcome icon and time; the rest in the tooltip. */
export function StepCell({ event, clockOffsetMs, testId }: { event: TimelineEvent | undefined; clockOffsetMs: number; testId?: string }) {
  const { t, i18n } = useTranslation();
  const detail = useEventDetail();
  if (!event) {
    return (
      <span className="drover-nb-step drover-nb-step-none" data-testid={testId} data-outcome="none">
        <MinusOutlined />
      </span>
    );
  }
  const title = (
    <div>
      <div>
        <strong>{t(`netboot.stepLong.${event.step}`)}</strong>: {t(`netboot.outcome.${event.outcome}`)}
      </div>
      <div>{detail(event)}</div>
    </div>
  );
  return (
    <Tooltip title={title}>
      <span className={`drover-nb-step drover-nb-outcome-${event.outcome}`} data-testid={testId} data-outcome={event.outcome}>
        {OUTCOME_ICON[event.outcome]}
        <span className="drover-nb-step-time">{clockTime(event.atMs, clockOffsetMs, i18n.language)}</span>
        {event.count > 1 && <span className="drover-nb-step-count">×{event.count}</span>}
      </span>
    </Tooltip>
  );
}
