import { hopLabel } from '@contract/ssh';
import type { TunnelProfile } from '@contract/tunnels';

/** The route as a person reads it: the target, and the jump hosts it goes through. */
export function routeParts(p: Pick<TunnelProfile, 'target' | 'jumps'>): { target: string; jumps: string[] } {
  return { target: hopLabel(p.target), jumps: p.jumps.map(hopLabel) };
}

/** Whether a host:port is one of the hops of a profile (to tie a host key prompt to its tunnels). */
export function profileUsesHost(p: Pick<TunnelProfile, 'target' | 'jumps'>, host: string, port: number): boolean {
  return [...p.jumps, p.target].some((h) => h.host === host && h.port === port);
}

/** A profile id from a name: a readable slug plus a random suffix (the service's pattern). */
export function newProfileId(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const bytes = new Uint8Array(3);
  crypto.getRandomValues(bytes);
  return `${base || 'tunnel'}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
