import type { TFunction } from 'i18next';
import { formatDuration } from '../../components/format';

/** Numbers as the Fleet page shows them: "—" for unknown. */

export const DASH = '—';

export function pct(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined ? DASH : `${v.toFixed(digits)} %`;
}

export function celsius(v: number | null | undefined): string {
  return v === null || v === undefined ? DASH : `${Math.round(v)} °C`;
}

export function num(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? DASH : v.toFixed(digits);
}

/** "12 s ago" in the UI language, from a server timestamp. */
export function ago(atMs: number | null | undefined, serverNowMs: number, t: TFunction): string {
  if (atMs === null || atMs === undefined) return DASH;
  return t('fleet.ago', { duration: formatDuration(Math.max(0, serverNowMs - atMs), t) });
}

/** The page's language (<html lang>, set by the shell), for dates. */
function pageLocale(): string | undefined {
  return typeof document !== 'undefined' && document.documentElement.lang ? document.documentElement.lang : undefined;
}

export function clockTime(ms: number, locale: string | undefined = pageLocale()): string {
  return new Date(ms).toLocaleTimeString(locale, { hour12: false });
}

export function dateTime(ms: number, locale: string | undefined = pageLocale()): string {
  return new Date(ms).toLocaleString(locale, { hour12: false });
}

/** Green / amber / red for a use percentage. */
export function percentTone(v: number | null | undefined, warn = 80, crit = 90): 'ok' | 'warning' | 'error' | 'unknown' {
  if (v === null || v === undefined) return 'unknown';
  return v >= crit ? 'error' : v >= warn ? 'warning' : 'ok';
}

export function tempTone(v: number | null | undefined): 'ok' | 'warning' | 'error' | 'unknown' {
  return percentTone(v, 80, 88);
}
