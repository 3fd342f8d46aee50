import { routeLabel, type Hop } from '@contract/ssh';
import type { TerminalTarget } from '@contract/terminal';

/** SSH destinations the terminal page offers: saved tunnel profiles and recently used hosts. */

/** An SSH destination to offer: from a saved tunnel profile, an open tab, or typed in recently. */
export interface SshDestination {
  readonly key: string;
  readonly name: string;
  readonly source: 'profile' | 'tab' | 'recent';
  readonly target: Hop;
  readonly jumps: readonly Hop[];
}

export const MAX_RECENT = 10;

function isHop(v: unknown): v is Hop {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  return typeof h.host === 'string' && typeof h.user === 'string' && typeof h.port === 'number';
}

function recentEntry(target: Hop, jumps: readonly Hop[]): SshDestination {
  const name = routeLabel(target, jumps);
  return { key: `recent:${name}`, name, source: 'recent', target, jumps };
}

/** Recent hosts as stored (anything: it comes from localStorage); what is not a destination is dropped. */
export function readRecent(v: unknown): SshDestination[] {
  if (!Array.isArray(v)) return [];
  const out: SshDestination[] = [];
  for (const item of v.slice(0, MAX_RECENT)) {
    if (typeof item !== 'object' || item === null) continue;
    const r = item as Partial<SshDestination>;
    if (!isHop(r.target) || !Array.isArray(r.jumps) || !r.jumps.every(isHop)) continue;
    out.push(recentEntry(r.target, r.jumps));
  }
  return out;
}

/** The recent list after opening `target`: it moves to the front (local shells are not remembered). */
export function addRecent(recent: readonly SshDestination[], t: TerminalTarget): readonly SshDestination[] {
  if (t.kind !== 'ssh') return recent;
  const entry = recentEntry(t.target, t.jumps);
  return [entry, ...recent.filter((r) => r.key !== entry.key)].slice(0, MAX_RECENT);
}

/** Saved tunnel profiles as destinations, one per route (the first profile of a route names it). */
export function profileDestinations(list: readonly { id: string; name: string; target: Hop; jumps: readonly Hop[] }[]): SshDestination[] {
  const seen = new Set<string>();
  const profiles: SshDestination[] = [];
  for (const p of list) {
    const route = routeLabel(p.target, p.jumps);
    if (seen.has(route)) continue;
    seen.add(route);
    profiles.push({ key: `profile:${p.id}`, name: p.name, source: 'profile', target: p.target, jumps: p.jumps });
  }
  return profiles;
}
