import type { TFunction } from 'i18next';

/** Numbers, sizes and durations as every page shows them. */

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
  if (s < 60) return t('format.duration.s', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('format.duration.m', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t('format.duration.hm', { h, m: m % 60 });
  return t('format.duration.dh', { d: Math.floor(h / 24), h: h % 24 });
}
