import type { Hop, TunnelProfile } from '@contract/tunnels';
import type { TFunction } from 'i18next';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 0 B, 512 B, 1.5 KiB, 12 MiB: three significant digits at most. */
export function formatBytes(n: number, locale?: string): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${UNITS[i]}`;
}

export function formatRate(bytesPerSec: number, locale?: string): string {
  return `${formatBytes(bytesPerSec, locale)}/s`;
}

/** 42 s, 5 min, 3 h 12 min, 2 d 4 h. */
export function formatDuration(ms: number, t: TFunction): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('tunnels.duration.s', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('tunnels.duration.m', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t('tunnels.duration.hm', { h, m: m % 60 });
  return t('tunnels.duration.dh', { d: Math.floor(h / 24), h: h % 24 });
}

/** user@host:port (IPv6 in brackets). */
export function hopLabel(h: Pick<Hop, 'host' | 'port' | 'user'>): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${h.user}@${host}:${h.port}`;
}

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
