import type { MinerAlert } from '@contract/miners';
import type { TFunction } from 'i18next';
import { goDuration } from './miners-format';

/** An alert as a sentence in the UI language, from its kind and values (the service's English message when a value is missing). */
export function alertText(a: MinerAlert, t: TFunction): string {
  const job = a.jobKey ?? a.subject;
  const host = a.hostname ?? a.workerId ?? '?';
  switch (a.kind) {
    case 'job-slow':
      if (a.runningMs === undefined || a.usualMs === undefined) break;
      return t('miners.alert.text.job-slow', { job, task: a.task ?? '?', host, running: goDuration(a.runningMs), usual: goDuration(a.usualMs) });
    case 'job-over-limit':
      if (a.runningMs === undefined || a.limitMs === undefined) break;
      return t('miners.alert.text.job-over-limit', { job, task: a.task ?? '?', host, running: goDuration(a.runningMs), limit: goDuration(a.limitMs) });
    case 'job-stuck-assigned':
    case 'job-stuck-ret-wait':
      if (a.runningMs === undefined) break;
      return t(`miners.alert.text.${a.kind}`, { job, task: a.task ?? '?', host, time: goDuration(a.runningMs) });
    case 'worker-gone':
      return t('miners.alert.text.worker-gone', { host });
    case 'sectors-error':
      if (a.value === undefined) break;
      return t('miners.alert.text.sectors-error', { previous: a.previous ?? 0, value: a.value });
    case 'balance-low':
      if (a.value === undefined || a.threshold === undefined) break;
      return t('miners.alert.text.balance-low', { name: t(`miners.alert.balance.${a.subject}`, { defaultValue: a.subject }), value: a.value, threshold: a.threshold });
  }
  return a.message;
}

/** Critical first, then the newest. */
export function sortMinerAlerts(alerts: Readonly<Record<string, MinerAlert>>): MinerAlert[] {
  return Object.values(alerts).sort((a, b) => (a.severity === b.severity ? b.sinceMs - a.sinceMs : a.severity === 'critical' ? -1 : 1));
}
