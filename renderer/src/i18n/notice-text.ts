import type { Notice } from '@contract/system';
import type { i18n as I18n } from 'i18next';

/** A notice's text in the UI language: "notice.<key>" with its values, else the service's English. */
export function noticeText(i18n: I18n, notice: Notice): string {
  const key = `notice.${notice.key}`;
  if (!i18n.exists(key)) return notice.message;
  // Keys chosen by the service are not known to the typed t(); exists() checked this one.
  const t = i18n.t as unknown as (k: string, o: object) => string;
  return t(key, { ...notice.values, defaultValue: notice.message });
}
