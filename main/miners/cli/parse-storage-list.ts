import type { ByteQuantity, MinerProblem, StoragePath } from '../../contract/miners';
import { parseByteSize } from '../byte-size';
import { clipText, ProblemList } from '../miner-problem';
import { textLines } from './strip-ansi';

export const STORAGE_LIST_SOURCE = 'lotus-miner storage list';

export interface ParsedStorageList {
  paths: Record<string, StoragePath>;
  problems: MinerProblem[];
}

const PATH_LINE = /^(\S+):\s*$/;
const BAR_LINE = /^\[[^\]]*\]\s*(\S+(?:\s\S+)?)\/(\S+(?:\s\S+)?)\s+(\d+)%(?:\s+\((filesystem|limit)\))?\s*$/;
const COUNT_KEYS: Record<string, keyof StoragePath['counts']> = {
  unsealed: 'unsealed',
  sealed: 'sealed',
  caches: 'caches',
  updated: 'updated',
  update: 'updated',
  'update-caches': 'updateCaches',
};

/**
 * `lotus-miner storage list` (cli/miner/storage.go): per path "<uuid>:" then tab-indented lines
 * (usage bars, file counts, Weight/Use, Groups, AllowTo, Allow/Deny Types, Local, URL…, Error).
 */
export function parseStorageList(text: string): ParsedStorageList {
  const problems = new ProblemList(STORAGE_LIST_SOURCE);
  const paths: Record<string, StoragePath> = {};
  let cur: StoragePath | undefined;
  textLines(text).forEach((line, idx) => {
    const lineNo = idx + 1;
    const t = line.trim();
    if (t === '') return;
    const indented = /^\s/.test(line);
    const pm = indented ? null : PATH_LINE.exec(t);
    if (pm) {
      const id = clipText(pm[1]!, 128);
      cur = { id, counts: {}, urls: [] };
      paths[id] = cur;
      return;
    }
    if (!cur) {
      problems.add('line outside a storage path block', { raw: line, line: lineNo });
      return;
    }
    if (!readPathLine(cur, t)) problems.add('unrecognised storage line', { raw: line, line: lineNo });
  });
  return { paths, problems: problems.list() };
}

function size(s: string): ByteQuantity | undefined {
  return parseByteSize(s);
}

function list(s: string, max: number): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .slice(0, max)
    .map((x) => clipText(x, 256));
}

function readPathLine(p: StoragePath, t: string): boolean {
  let m: RegExpExecArray | null;
  if ((m = BAR_LINE.exec(t))) {
    const used = size(m[1]!);
    const total = size(m[2]!);
    const pct = Number(m[3]);
    if (m[4] === 'limit') {
      p.limit = {};
      if (used) p.limit.used = used;
      if (total) p.limit.max = total;
      if (Number.isSafeInteger(pct)) p.limit.percent = pct;
    } else {
      if (used) p.used = used;
      if (total) p.capacity = total;
      if (Number.isSafeInteger(pct)) p.usedPercent = pct;
    }
    return true;
  }
  if (/^(Unsealed|Sealed|Caches|Updated|Update|Update-caches|Reserved):/i.test(t)) {
    let ok = true;
    for (const part of t.split(';')) {
      const kv = /^\s*([A-Za-z-]+):\s*(.*?)\s*$/.exec(part);
      if (!kv) {
        if (part.trim()) ok = false;
        continue;
      }
      const key = kv[1]!.toLowerCase();
      if (key === 'reserved') {
        const r = size(kv[2]!);
        if (r) p.reserved = r;
        else ok = false;
        continue;
      }
      const field = COUNT_KEYS[key];
      const n = Number(kv[2]);
      if (field && /^\d+$/.test(kv[2]!) && Number.isSafeInteger(n)) p.counts[field] = n;
      else ok = false;
    }
    return ok;
  }
  if ((m = /^Weight:\s*(\d+)\s*;\s*Use:\s*(.*)$/.exec(t)) || (m = /^Weight:\s*(\d+)\s*$/.exec(t))) {
    const w = Number(m[1]);
    if (Number.isSafeInteger(w)) p.weight = w;
    if (m[2] !== undefined) {
      const use = m[2].trim();
      p.useText = clipText(use, 64);
      const words = use.split(/\s+/);
      p.canSeal = words.includes('Seal');
      p.canStore = words.includes('Store');
    }
    return true;
  }
  if ((m = /^Groups:\s*(.*)$/.exec(t))) {
    p.groups = list(m[1]!, 256);
    return true;
  }
  if ((m = /^AllowTo:\s*(.*)$/.exec(t))) {
    p.allowTo = list(m[1]!, 256);
    return true;
  }
  if ((m = /^Allow Types:\s*(.*)$/.exec(t))) {
    p.allowTypes = list(m[1]!, 64);
    return true;
  }
  if ((m = /^Deny Types:\s*(.*)$/.exec(t))) {
    p.denyTypes = list(m[1]!, 64);
    return true;
  }
  if ((m = /^Local:\s*(.*)$/.exec(t))) {
    p.localPath = clipText(m[1]!.trim(), 1024);
    return true;
  }
  if ((m = /^URL:\s*(\S+)(?:\s+\(latency:\s*([^)]*)\))?\s*$/.exec(t))) {
    if (p.urls.length < 64) p.urls.push(clipText(m[1]!, 1024));
    if (m[2] !== undefined) p.latencyText = clipText(m[2].trim(), 64);
    return true;
  }
  if ((m = /^Error:\s*(.*)$/.exec(t))) {
    p.error = clipText(m[1]!.replace(/:\s*$/, ''), 4096);
    return true;
  }
  return false;
}
