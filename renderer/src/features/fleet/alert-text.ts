import type { Alert, AlertMetric } from '@contract/fleet';
import type { TFunction } from 'i18next';
import { dateTime } from './fleet-format';

/** The i18n key of a metric's label ("gpu.temperatureC" → fleet.metric.gpu_temperatureC). */
export function metricLabelKey(m: AlertMetric): `fleet.metric.${'gpu_temperatureC' | 'gpu_count' | 'cpu_temperatureC' | 'cpu_usePercent' | 'memory_usePercent' | 'disk_usePercent' | 'load1' | 'load5' | 'load15' | 'host_down'}` {
  return `fleet.metric.${m.replace('.', '_') as 'load1'}`;
}

/** An alert in the UI language, from its fields (the service's message is English, for logs and files). */
export function alertText(a: Alert, t: TFunction): string {
  if (a.metric === 'host.down') {
    return t('fleet.alerts.downText', { missed: a.state === 'firing' ? (a.lastValue ?? a.value ?? 0) : (a.peakValue ?? a.value ?? 0), when: a.lastSeenMs === null ? t('fleet.host.never') : dateTime(a.lastSeenMs) });
  }
  const what = `${a.subject ? `${a.subject} · ` : ''}${t(metricLabelKey(a.metric))}`;
  return t('fleet.alerts.thresholdText', { what, value: a.state === 'firing' ? (a.lastValue ?? a.value ?? '?') : (a.peakValue ?? a.value ?? '?'), threshold: a.threshold });
}
