/**
 * Links into the Fleet page: #/fleet?host=<id> opens that host's details (identity, metrics,
 * charts, alerts, terminal), #/fleet?tab=syslog&host=<name> the log view filtered to it. Other
 * pages that show a machine link here: find its host id with api.fleet.lookup({ mac | hostname |
 * ip | sshHost | lotusWorker }) and open fleetHostHash(id).
 */

export type FleetTab = 'hosts' | 'alerts' | 'syslog' | 'settings';
const TABS: readonly FleetTab[] = ['hosts', 'alerts', 'syslog', 'settings'];

export function fleetHostHash(hostId: string): string {
  return `#/fleet?host=${encodeURIComponent(hostId)}`;
}

export function fleetTabHash(tab: FleetTab, params: Record<string, string> = {}): string {
  const q = new URLSearchParams({ tab, ...params });
  return `#/fleet?${q.toString()}`;
}

/** The tab and host named in a #/fleet?… hash. */
export function parseFleetHash(hash: string): { tab: FleetTab | undefined; host: string | undefined; syslogHost: string | undefined } {
  const q = hash.indexOf('?');
  if (!hash.replace(/^#\/?/, '').startsWith('fleet') || q < 0) return { tab: undefined, host: undefined, syslogHost: undefined };
  const params = new URLSearchParams(hash.slice(q + 1));
  const tab = params.get('tab');
  return {
    tab: TABS.includes(tab as FleetTab) ? (tab as FleetTab) : undefined,
    host: (tab === null || tab === 'hosts') && params.get('host') ? params.get('host')! : undefined,
    syslogHost: tab === 'syslog' && params.get('host') ? params.get('host')! : undefined,
  };
}

export function openFleetHost(hostId: string): void {
  window.location.hash = fleetHostHash(hostId);
}
