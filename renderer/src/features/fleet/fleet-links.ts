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

/** What a page knows about a machine, for "add to Fleet" (the add form opens filled in). */
export interface MachineFacts {
  mac?: string | undefined;
  ip?: string | undefined;
  hostname?: string | undefined;
  sshHost?: string | undefined;
  lotusWorker?: string | undefined;
}
const FACT_KEYS = ['mac', 'ip', 'hostname', 'sshHost', 'lotusWorker'] as const;

/** #/fleet?add=1&mac=…: the Fleet page opens its add-host form with these facts. */
export function fleetAddHash(facts: MachineFacts): string {
  const q = new URLSearchParams({ add: '1' });
  for (const k of FACT_KEYS) if (facts[k]) q.set(k, facts[k]!);
  return `#/fleet?${q.toString()}`;
}

/** The facts of a #/fleet?add=1&… hash (undefined when it is not one). */
export function parseFleetAddHash(hash: string): MachineFacts | undefined {
  const q = hash.indexOf('?');
  if (!hash.replace(/^#\/?/, '').startsWith('fleet') || q < 0) return undefined;
  const params = new URLSearchParams(hash.slice(q + 1));
  if (params.get('add') !== '1') return undefined;
  const out: MachineFacts = {};
  for (const k of FACT_KEYS) {
    const v = params.get(k);
    if (v) out[k] = v.slice(0, 253);
  }
  return out;
}
