import type { Alert, FleetHost } from '@contract/fleet';

/**
 * Desktop notifications for alerts: the browser's Notification API in the web host, the same API
 * in Electron's renderer (Electron shows it as a native notification). Permission is asked only
 * from a button (request), never on its own; a notification is shown only when the window is not
 * focused (a person looking at the page sees the alert list change).
 */
export interface AlertNotifier {
  permission(): NotificationPermission | 'unsupported';
  request(): Promise<NotificationPermission | 'unsupported'>;
  notify(alert: Alert, host: FleetHost | undefined): void;
}

/** Alerts firing now that were not seen before (and are not acknowledged); marks them seen. */
export function newlyFiredAlerts(alerts: Readonly<Record<string, Alert>>, seen: Set<string>): Alert[] {
  const out: Alert[] = [];
  for (const [id, a] of Object.entries(alerts)) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (a.state === 'firing' && !a.acked) out.push(a);
  }
  // Forget ids that are gone, so the set stays as small as the list of firing alerts.
  if (seen.size > Object.keys(alerts).length * 2 + 64) for (const id of [...seen]) if (!(id in alerts)) seen.delete(id);
  return out;
}

export interface NotificationText {
  title(alert: Alert, hostName: string): string;
  body(alert: Alert): string;
}

/** The notifier over window.Notification; undefined where the API does not exist. */
export function browserAlertNotifier(text: NotificationText, onClick: (alert: Alert) => void): AlertNotifier | undefined {
  const N = typeof window !== 'undefined' ? window.Notification : undefined;
  if (!N) return undefined;
  return {
    permission: () => N.permission,
    request: async () => {
      try {
        return await N.requestPermission();
      } catch {
        return N.permission;
      }
    },
    notify(alert, host) {
      if (N.permission !== 'granted') return;
      if (typeof document !== 'undefined' && document.hasFocus()) return;
      try {
        const n = new N(text.title(alert, host?.name ?? alert.hostId), { body: text.body(alert), tag: alert.id });
        n.onclick = () => {
          window.focus();
          onClick(alert);
          n.close();
        };
      } catch {
        // Some browsers allow notifications only from a service worker; the alert list still shows it.
      }
    },
  };
}
