import { syslogFacilityName, syslogSeverityName, type SyslogMessage } from '../../contract/fleet';

export type SyslogExportFormat = 'text' | 'jsonl';

function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n');
}

/**
 * One message as a text line: receive time (ISO, UTC), sender, facility.severity, host, tag, text.
 * Raw frames are written as received. Newlines inside a message become "\n".
 */
export function formatSyslogText(m: SyslogMessage): string {
  const at = new Date(m.receivedAtMs).toISOString();
  if (m.format === 'raw' && m.severity === null) return `${at} ${m.sender.address} raw ${oneLine(m.raw)}`;
  const tag = m.app === null ? '-' : m.procid === null ? m.app : `${m.app}[${m.procid}]`;
  return `${at} ${m.sender.address} ${syslogFacilityName(m.facility)}.${syslogSeverityName(m.severity)} ${m.hostname ?? '-'} ${tag}: ${oneLine(m.message)}`;
}

/** One message as a JSON line (every field of SyslogMessage). */
export function formatSyslogJson(m: SyslogMessage): string {
  return JSON.stringify(m);
}

/** Messages as text (one per line, newline-terminated) in the given format. */
export function exportSyslog(messages: Iterable<SyslogMessage>, format: SyslogExportFormat): string {
  const format1 = format === 'jsonl' ? formatSyslogJson : formatSyslogText;
  const lines: string[] = [];
  for (const m of messages) lines.push(format1(m));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
