import type { SyslogMessage, SyslogStructuredElement } from '../../contract/fleet';

/**
 * One syslog frame (a UDP datagram or a TCP frame) → SyslogMessage. Never throws.
 *
 * - RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`, "-" for absent fields,
 *   structured data `[id k="v" ...]` with \" \\ \] escapes, a UTF-8 BOM before MSG removed.
 * - RFC 3164: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`, and the form without HOSTNAME that
 *   libc syslog(3) writes to /dev/log and BusyBox `syslogd -R` forwards unchanged
 *   (`<30>Mar 10 09:29:58 udhcpc[812]: lease ...`): a first word that is a tag (`name:` or
 *   `name[pid]:`) means there is no hostname; the sender's address identifies the host. An RFC 3339
 *   timestamp in that position (rsyslog's forward format) is accepted too.
 * - Anything else is kept raw: the text as the message, PRI fields when a valid PRI was there.
 */

export interface SyslogFrameMeta {
  receivedAtMs: number;
  sender: SyslogMessage['sender'];
  /** The receiver cut the frame at its maximum size. */
  truncated?: boolean;
}

export interface SyslogParseOptions {
  /**
   * The zone RFC 3164 timestamps are read in (they carry none): 'local' (glibc rigs in the
   * console's zone) or 'utc' (musl rigs stamp UTC). Default 'local'. Only timestampMs depends on it.
   */
  rfc3164TimeZone?: 'local' | 'utc';
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const PRI = /^<(\d{1,3})>/;
const BSD_TIME = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( ?\d|\d\d) (\d\d):(\d\d):(\d\d)(\.\d{1,6})?(?: |$)/;
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/i;
const TAG_COLON = /^([^\s[\]:]{1,128})(?:\[([^\]\s]{0,128})\])?:$/;
const TAG_PID = /^([^\s[\]:]{1,128})\[([^\]\s]{0,128})\]$/;
const HOSTNAME = /^[A-Za-z0-9._:%@-]{1,255}$/;
const BOM = '\uFEFF';
const DAY_MS = 86_400_000;

/** Drops what frames end with on the wire: newline (BusyBox, musl, logger), CR, NUL. */
export function trimFrame(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 10 && c !== 13 && c !== 0) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

export function parseSyslogFrame(frame: string, meta: SyslogFrameMeta, options: SyslogParseOptions = {}): SyslogMessage {
  const raw = trimFrame(frame);
  const base: SyslogMessage = {
    seq: 0,
    receivedAtMs: meta.receivedAtMs,
    sender: meta.sender,
    facility: null,
    severity: null,
    timestamp: null,
    timestampMs: null,
    hostname: null,
    app: null,
    procid: null,
    msgid: null,
    structuredData: [],
    message: raw,
    format: 'raw',
    raw,
    truncated: meta.truncated ?? false,
  };
  const pri = PRI.exec(raw);
  if (!pri) return base;
  const value = Number(pri[1]);
  if (value > 191) return base;
  base.facility = value >> 3;
  base.severity = value & 7;
  const rest = raw.slice(pri[0].length);
  base.message = rest;
  if (rest.startsWith('1 ')) return parse5424(rest.slice(2), base);
  return parse3164(rest, base, options);
}

function nil(v: string | undefined, max: number): string | null {
  return v === undefined || v === '-' || v === '' ? null : v.slice(0, max);
}

function parse5424(text: string, base: SyslogMessage): SyslogMessage {
  // Five space-separated header fields, then structured data.
  const fields: string[] = [];
  let pos = 0;
  for (let i = 0; i < 5; i++) {
    const sp = text.indexOf(' ', pos);
    if (sp < 0) return base; // malformed: kept raw with its PRI
    fields.push(text.slice(pos, sp));
    pos = sp + 1;
  }
  const [ts, host, app, procid, msgid] = fields as [string, string, string, string, string];
  let timestampMs: number | null = null;
  if (ts !== '-') {
    if (!RFC3339.test(ts)) return base;
    const ms = Date.parse(ts);
    if (!Number.isFinite(ms)) return base;
    timestampMs = ms;
  }
  const sd = parseStructuredData(text, pos);
  if (!sd) return base;
  let message = '';
  if (sd.end < text.length) {
    if (text[sd.end] !== ' ') return base;
    message = text.slice(sd.end + 1);
    if (message.startsWith(BOM)) message = message.slice(1);
  }
  return {
    ...base,
    format: 'rfc5424',
    timestamp: ts === '-' ? null : ts.slice(0, 64),
    timestampMs,
    hostname: nil(host, 255),
    app: nil(app, 128),
    procid: nil(procid, 128),
    msgid: nil(msgid, 32),
    structuredData: sd.elements,
    message,
  };
}

/** STRUCTURED-DATA at text[pos]: "-" or one or more elements. Null when malformed. */
function parseStructuredData(text: string, pos: number): { elements: SyslogStructuredElement[]; end: number } | null {
  if (text[pos] === '-') return { elements: [], end: pos + 1 };
  const elements: SyslogStructuredElement[] = [];
  if (text[pos] !== '[') return null;
  while (text[pos] === '[') {
    pos++;
    const idStart = pos;
    while (pos < text.length && !' ]="'.includes(text[pos]!)) pos++;
    const id = text.slice(idStart, pos);
    if (id === '' || id.length > 32) return null;
    const params: SyslogStructuredElement['params'] = [];
    while (text[pos] === ' ') {
      pos++;
      const nameStart = pos;
      while (pos < text.length && !' ]="'.includes(text[pos]!)) pos++;
      const name = text.slice(nameStart, pos);
      if (name === '' || name.length > 32 || text[pos] !== '=' || text[pos + 1] !== '"') return null;
      pos += 2;
      let value = '';
      let closed = false;
      while (pos < text.length) {
        const c = text[pos]!;
        if (c === '\\' && pos + 1 < text.length && '"\\]'.includes(text[pos + 1]!)) {
          value += text[pos + 1];
          pos += 2;
        } else if (c === '"') {
          closed = true;
          pos++;
          break;
        } else {
          value += c;
          pos++;
        }
      }
      if (!closed) return null;
      if (params.length < 256) params.push({ name, value: value.slice(0, 65_536) });
    }
    if (text[pos] !== ']') return null;
    pos++;
    if (elements.length < 64) elements.push({ id, params });
  }
  return { elements, end: pos };
}

function parse3164(text: string, base: SyslogMessage, options: SyslogParseOptions): SyslogMessage {
  let timestamp: string;
  let timestampMs: number | null;
  let rest: string;
  const bsd = BSD_TIME.exec(text);
  if (bsd) {
    timestamp = bsd[0].trimEnd();
    timestampMs = bsdTimeMs(bsd, base.receivedAtMs, options.rfc3164TimeZone ?? 'local');
    if (timestampMs === null) return base;
    rest = text.slice(bsd[0].length);
  } else {
    const sp = text.indexOf(' ');
    const first = sp < 0 ? text : text.slice(0, sp);
    if (!RFC3339.test(first)) return base; // no timestamp: malformed, kept raw with its PRI
    const ms = Date.parse(first);
    if (!Number.isFinite(ms)) return base;
    timestamp = first;
    timestampMs = ms;
    rest = sp < 0 ? '' : text.slice(sp + 1);
  }
  const out: SyslogMessage = { ...base, format: 'rfc3164', timestamp: timestamp.slice(0, 64), timestampMs, message: rest };
  const sp1 = rest.indexOf(' ');
  const w1 = sp1 < 0 ? rest : rest.slice(0, sp1);
  const after1 = sp1 < 0 ? '' : rest.slice(sp1 + 1);
  const tag1 = TAG_COLON.exec(w1);
  if (tag1) {
    // libc's /dev/log format (BusyBox syslogd -R forwards it as is): no HOSTNAME.
    return { ...out, app: tag1[1]!.slice(0, 128), procid: nil(tag1[2], 128), message: after1 };
  }
  if (sp1 < 0 || !HOSTNAME.test(w1)) return out;
  const sp2 = after1.indexOf(' ');
  const w2 = sp2 < 0 ? after1 : after1.slice(0, sp2);
  const after2 = sp2 < 0 ? '' : after1.slice(sp2 + 1);
  const tag2 = TAG_COLON.exec(w2) ?? (sp2 >= 0 ? TAG_PID.exec(w2) : null);
  if (tag2) return { ...out, hostname: w1, app: tag2[1]!.slice(0, 128), procid: nil(tag2[2], 128), message: after2 };
  return { ...out, hostname: w1, message: after1 };
}

/** An RFC 3164 time (no year, no zone) as epoch ms: the year that puts it closest before the receive time. */
function bsdTimeMs(m: RegExpExecArray, receivedAtMs: number, zone: 'local' | 'utc'): number | null {
  const month = MONTHS[m[1]!]!;
  const day = Number(m[2]!.trim());
  const [h, min, s] = [Number(m[3]), Number(m[4]), Number(m[5])];
  if (day < 1 || day > 31 || h > 23 || min > 59 || s > 60) return null;
  const frac = m[6] ? Math.round(Number(`0${m[6]}`) * 1000) : 0;
  const received = new Date(receivedAtMs);
  const year = zone === 'utc' ? received.getUTCFullYear() : received.getFullYear();
  const at = (y: number) => (zone === 'utc' ? Date.UTC(y, month, day, h, min, s, frac) : new Date(y, month, day, h, min, s, frac).getTime());
  let ms = at(year);
  // A rig clock a little ahead is fine; a date weeks in the future is last year's (received just after New Year).
  if (ms - receivedAtMs > 31 * DAY_MS) ms = at(year - 1);
  else if (receivedAtMs - ms > 334 * DAY_MS) ms = at(year + 1);
  const check = new Date(ms);
  const dayOk = zone === 'utc' ? check.getUTCDate() === day : check.getDate() === day;
  return dayOk ? ms : null; // Feb 30 and the like
}
