import type { DomainInfo } from '../../contract/domains';
import { DOMAIN_STATE_NAMES } from '../../contract/domains';
import { asText, parseDecimal, parseUint, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';

/**
 * `virsh dominfo <dom>`: `"%-15s %s"` lines (label with colon padded to 15, a space, the value).
 * The value starts at column 16, so a name with leading spaces or colons survives; lines with
 * another layout are split at the first colon.
 */

const KNOWN = new Set([
  'Id',
  'Name',
  'UUID',
  'OS Type',
  'State',
  'CPU(s)',
  'CPU time',
  'Max memory',
  'Used memory',
  'Persistent',
  'Autostart',
  'Managed save',
  'Security model',
  'Security DOI',
  'Security label',
  'Messages',
]);

function labelValue(line: string): { label: string; value: string } | undefined {
  // The fixed layout: "Label:" padded to 15 columns, one space, the value.
  if (line.length >= 16 && line[15] === ' ') {
    const head = line.slice(0, 15).trimEnd();
    if (head.endsWith(':') && !head.slice(0, -1).includes(':')) return { label: head.slice(0, -1), value: line.slice(16) };
  }
  const i = line.indexOf(':');
  if (i <= 0) return undefined;
  return { label: line.slice(0, i).trim(), value: line.slice(i + 1).replace(/^ +/, '') };
}

function yesNo(v: string, yes: string, no: string): boolean | null {
  if (v === yes) return true;
  if (v === no) return false;
  return null;
}

function kib(v: string): number | null | undefined {
  if (v === 'no limit') return null;
  const m = /^(\d+) KiB$/.exec(v);
  return m ? (parseUint(m[1]!) ?? undefined) : undefined;
}

export function emptyDomainInfo(): DomainInfo {
  return {
    id: null,
    name: '',
    uuid: '',
    osType: null,
    state: null,
    vcpus: null,
    cpuTimeSec: null,
    maxMemoryKiB: null,
    usedMemoryKiB: null,
    persistent: null,
    autostart: null,
    managedSave: null,
    securityModel: null,
    securityDoi: null,
    securityLabel: null,
    messages: [],
    extra: Object.create(null) as Record<string, string>,
  };
}

export function parseDominfo(input: unknown): ParseResult<DomainInfo> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const info = emptyDomainInfo();
  const seen = new Set<string>();
  let inMessages = false;
  splitLines(raw).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    if (inMessages && /^ {16}\S/.test(line)) {
      info.messages.push(line.slice(16));
      return;
    }
    inMessages = false;
    const lv = labelValue(line);
    if (!lv) {
      problems.push(problem(n, 'a dominfo line without "label: value"', line));
      return;
    }
    const { label, value } = lv;
    const bad = (what: string) => problems.push(problem(n, `unreadable ${what}`, line));
    seen.add(label);
    switch (label) {
      case 'Id':
        if (value === '-') info.id = null;
        else if (parseUint(value) !== undefined) info.id = parseUint(value)!;
        else bad('Id');
        break;
      case 'Name':
        info.name = value;
        break;
      case 'UUID':
        info.uuid = value.trim().toLowerCase();
        break;
      case 'OS Type':
        info.osType = value.trim() || null;
        break;
      case 'State': {
        const s = value.trim();
        if ((DOMAIN_STATE_NAMES as readonly string[]).includes(s)) info.state = s as DomainInfo['state'];
        else problems.push(problem(n, `unknown domain state "${s}"`, line));
        break;
      }
      case 'CPU(s)':
        info.vcpus = parseUint(value) ?? null;
        if (info.vcpus === null) bad('CPU(s)');
        break;
      case 'CPU time': {
        const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
        if (m) info.cpuTimeSec = parseDecimal(m[1]!) ?? null;
        else bad('CPU time');
        break;
      }
      case 'Max memory': {
        const k = kib(value.trim());
        if (k === undefined) bad('Max memory');
        else info.maxMemoryKiB = k;
        break;
      }
      case 'Used memory': {
        const k = kib(value.trim());
        if (k === undefined) bad('Used memory');
        else info.usedMemoryKiB = k;
        break;
      }
      case 'Persistent':
        info.persistent = yesNo(value.trim(), 'yes', 'no');
        break;
      case 'Autostart':
        info.autostart = yesNo(value.trim(), 'enable', 'disable');
        break;
      case 'Managed save':
        info.managedSave = yesNo(value.trim(), 'yes', 'no');
        break;
      case 'Security model':
        info.securityModel = value.trim() || null;
        break;
      case 'Security DOI':
        info.securityDoi = value.trim() || null;
        break;
      case 'Security label':
        info.securityLabel = value.trim() || null;
        break;
      case 'Messages':
        if (value.trim() !== '') info.messages.push(value.trim());
        inMessages = true;
        break;
      default:
        if (!KNOWN.has(label)) info.extra[label] = value.trim();
    }
  });
  if (raw.trim() !== '' && (!seen.has('Name') || !seen.has('UUID'))) problems.push(problem(null, 'dominfo output without Name or UUID'));
  return { value: info, problems, raw };
}
