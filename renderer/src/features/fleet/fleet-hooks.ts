import type { Alert } from '@contract/fleet';
import { useStore } from 'zustand';
import { storeKey } from '../../app/feature';
import { useFeatureStore } from '../../stores/stores';
import { browserAlertNotifier, type NotificationText } from './alert-notifier';
import { openFleetHost } from './fleet-links';
import { createFleetStore, type FleetState, type FleetStore } from './fleet-store';
import { fleetEn } from './i18n.en';
import { fleetZhCN } from './i18n.zh-cn';
import { createSyslogStore, type SyslogState, type SyslogStore } from './syslog-store';

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(values[k] ?? ''));
}

/** Notification text in the page's language (the store lives outside React, so it reads <html lang>). */
export function notificationText(lang: () => string = () => document.documentElement.lang): NotificationText {
  const all = () => (lang() === 'zh-CN' ? fleetZhCN.fleet : fleetEn.fleet);
  const strings = () => all().notify;
  const metric = (m: Alert['metric']) => all().metric[m.replace('.', '_') as keyof typeof fleetEn.fleet.metric] ?? m;
  return {
    title: (a: Alert, hostName: string) => fill(a.severity === 'critical' ? strings().titleCritical : strings().titleWarning, { host: hostName }),
    body: (a: Alert) =>
      a.metric === 'host.down'
        ? fill(strings().down, { missed: a.lastValue ?? a.value ?? 0, time: a.lastSeenMs === null ? strings().never : new Date(a.lastSeenMs).toLocaleTimeString(lang(), { hour12: false }) })
        : fill(strings().threshold, { subject: a.subject ? `${a.subject} ` : '', metric: metric(a.metric), value: a.value ?? '?', threshold: a.threshold }),
  };
}

export const fleetStoreKey = storeKey<FleetStore>('fleet', (deps) =>
  createFleetStore({
    api: deps.api,
    toasts: deps.toasts,
    link: deps.link,
    ...(typeof window !== 'undefined' ? { notifier: browserAlertNotifier(notificationText(), (a) => openFleetHost(a.hostId)) } : {}),
  }),
);

export const syslogStoreKey = storeKey<SyslogStore>('fleet-syslog', (deps) => createSyslogStore({ api: deps.api, toasts: deps.toasts, link: deps.link }));

/** Components read the fleet store through selectors. */
export const useFleetStore = <T,>(selector: (s: FleetState) => T): T => useStore(useFeatureStore(fleetStoreKey), selector);
export const useSyslogStore = <T,>(selector: (s: SyslogState) => T): T => useStore(useFeatureStore(syslogStoreKey), selector);
