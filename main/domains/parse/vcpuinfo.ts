import type { VcpuInfo } from '../../contract/domains';
import { asText, parseDecimal, parseUint, problem, splitLines, type ParseProblem, type ParseResult } from './parse-result';

/**
 * `virsh vcpuinfo <dom> [--pretty]`: one block per vCPU, blank line between; labels padded to 15.
 * `CPU Affinity:` is a map with one character per host CPU (`y` usable, `-` not) or, with
 * --pretty, a list like "8-13 (out of 32)". For an inactive domain virsh prints `CPU: N/A`,
 * `State: N/A` and `CPU time        N/A` (no colon).
 */

function parseCpuList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    const range = /^(\d+)-(\d+)$/.exec(p);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (b < a || b - a > 65_536) return undefined;
      for (let c = a; c <= b; c++) out.push(c);
    } else if (/^\d+$/.test(p)) {
      out.push(Number(p));
    } else if (p.startsWith('^')) {
      // "^3" excludes a CPU (cpuset syntax); virsh's --pretty output does not use it, but be safe.
      const x = Number(p.slice(1));
      const at = out.indexOf(x);
      if (at >= 0) out.splice(at, 1);
    } else {
      return undefined;
    }
  }
  return out;
}

function parseAffinity(value: string): { affinity: number[]; hostCpus: number | null } | undefined {
  const v = value.trim();
  if (/^[y-]+$/.test(v)) {
    const affinity: number[] = [];
    for (let i = 0; i < v.length; i++) if (v[i] === 'y') affinity.push(i);
    return { affinity, hostCpus: v.length };
  }
  const pretty = /^(.*?)\s*\(out of (\d+)\)$/.exec(v);
  if (pretty) {
    const list = pretty[1]!.trim() === '' ? [] : parseCpuList(pretty[1]!);
    if (!list) return undefined;
    return { affinity: list, hostCpus: Number(pretty[2]) };
  }
  return undefined;
}

function emptyVcpu(vcpu: number): VcpuInfo {
  return { vcpu, cpu: null, state: null, cpuTimeSec: null, affinity: null, hostCpus: null };
}

export function parseVcpuinfo(input: unknown): ParseResult<VcpuInfo[]> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const value: VcpuInfo[] = [];
  let current: VcpuInfo | null = null;
  splitLines(raw).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    const m = /^(VCPU|CPU Affinity|CPU time|CPU|State):?\s+(\S.*?)\s*$/.exec(line) ?? /^([^:]+):\s*(.*?)\s*$/.exec(line);
    if (!m) {
      problems.push(problem(n, 'a vcpuinfo line without "label: value"', line));
      return;
    }
    const label = m[1]!.trim();
    const v = m[2]!;
    if (label === 'VCPU') {
      const id = parseUint(v);
      if (id === undefined) {
        problems.push(problem(n, 'unreadable VCPU number', line));
        current = null;
        return;
      }
      current = emptyVcpu(id);
      value.push(current);
      return;
    }
    if (!current) {
      problems.push(problem(n, 'a vcpuinfo line before the first "VCPU:"', line));
      return;
    }
    const cur: VcpuInfo = current;
    switch (label) {
      case 'CPU':
        if (v !== 'N/A') {
          cur.cpu = parseUint(v) ?? null;
          if (cur.cpu === null) problems.push(problem(n, 'unreadable CPU', line));
        }
        break;
      case 'State':
        cur.state = v === 'N/A' ? null : v;
        break;
      case 'CPU time':
        if (v !== 'N/A') {
          const t = /^(\d+(?:\.\d+)?)s$/.exec(v);
          cur.cpuTimeSec = t ? (parseDecimal(t[1]!) ?? null) : null;
          if (cur.cpuTimeSec === null) problems.push(problem(n, 'unreadable CPU time', line));
        }
        break;
      case 'CPU Affinity': {
        const a = parseAffinity(v);
        if (!a) problems.push(problem(n, 'unreadable CPU Affinity', line));
        else {
          cur.affinity = a.affinity;
          cur.hostCpus = a.hostCpus;
        }
        break;
      }
      default:
        problems.push(problem(n, `unknown vcpuinfo label "${label}"`, line));
    }
  });
  return { value, problems, raw };
}
