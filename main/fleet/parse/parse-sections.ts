import type { ProbeProblem } from '../../contract/fleet';
import { PROBE_MARK } from '../probe-script';
import { addProblem, parseNumber } from './parse-util';

export interface ProbeSection {
  name: string;
  /** ran: begin/end seen; cut: begin without end (output cut off); absent: tool not installed; skipped: not asked for. */
  state: 'ran' | 'cut' | 'absent' | 'skipped';
  body: string;
  /** Exit status of the read or tool (null when cut off or not run). */
  rc: number | null;
}

export interface SplitProbe {
  sections: Map<string, ProbeSection>;
  /** The "@@drover probe" line was seen (this is a probe output at all). */
  header: boolean;
  /** /proc/uptime at the script's start and end (its duration on the host). */
  done: { uptime0: number | null; uptime1: number | null } | null;
}

const BEGIN = `${PROBE_MARK} begin `;
const END = `${PROBE_MARK} end `;
const ABSENT = `${PROBE_MARK} absent `;
const SKIPPED = `${PROBE_MARK} skipped `;
const DONE = `${PROBE_MARK} done`;
const HEADER = `${PROBE_MARK} probe `;

/** Splits probe-script output into its sections. Never throws; oddities become problems. */
export function splitProbeSections(text: string, problems: ProbeProblem[]): SplitProbe {
  const sections = new Map<string, ProbeSection>();
  let header = false;
  let done: SplitProbe['done'] = null;
  let current: { name: string; start: number } | null = null;
  let stray = 0;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const line = text.slice(pos, nl);
    const lineStart = pos;
    pos = nl + 1;
    if (!line.startsWith(PROBE_MARK)) {
      if (!current && line.trim() !== '') stray++;
      continue;
    }
    if (current) {
      if (line.startsWith(END)) {
        const rest = line.slice(END.length).split(' ');
        const name = rest[0] ?? '';
        const rcText = rest.find((w) => w.startsWith('rc='))?.slice(3);
        const rc = parseNumber(rcText);
        if (name !== current.name) addProblem(problems, 'probe', 'warning', `section ${current.name} ended as ${name}`);
        // The body is what lies between the begin line and this one, minus the newline emit() adds.
        let body = text.slice(current.start, Math.max(current.start, lineStart - 1));
        if (body.endsWith('\r')) body = body.slice(0, -1);
        sections.set(current.name, { name: current.name, state: 'ran', body, rc });
        current = null;
      }
      // Any other marker inside a section is tool output that happens to look like one: keep it.
      continue;
    }
    if (line.startsWith(BEGIN)) current = { name: line.slice(BEGIN.length).trim(), start: pos };
    else if (line.startsWith(ABSENT)) {
      const name = line.slice(ABSENT.length).trim();
      sections.set(name, { name, state: 'absent', body: '', rc: null });
    } else if (line.startsWith(SKIPPED)) {
      const name = line.slice(SKIPPED.length).trim();
      sections.set(name, { name, state: 'skipped', body: '', rc: null });
    } else if (line.startsWith(DONE)) {
      const words = line.slice(DONE.length).trim().split(/\s+/);
      const get = (k: string) => parseNumber(words.find((w) => w.startsWith(`${k}=`))?.slice(k.length + 1));
      done = { uptime0: get('uptime0'), uptime1: get('uptime1') };
    } else if (line.startsWith(HEADER)) header = true;
  }
  if (current) {
    sections.set(current.name, { name: current.name, state: 'cut', body: text.slice(current.start), rc: null });
    addProblem(problems, current.name, 'error', `the probe output was cut off inside section ${current.name}`);
  }
  if (!header) addProblem(problems, 'probe', 'error', 'not a Drover probe output (no header line)');
  else if (!done && !current) addProblem(problems, 'probe', 'error', 'the probe output is incomplete (no final line)');
  if (stray > 0) addProblem(problems, 'probe', 'info', `${stray} line(s) outside any section were ignored`);
  return { sections, header, done };
}
