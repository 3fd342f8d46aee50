import type { MinerProblem, MinerSector } from '../../contract/miners';
import { parseFilAmount } from '../fil-amount';
import { clipText, ProblemList } from '../miner-problem';
import { textLines } from './strip-ansi';
import { findColumn, headerColumns, splitRow } from './text-table';

export const SECTORS_LIST_SOURCE = 'lotus-miner sectors list';

export interface ParsedSectorsList {
  sectors: Record<string, MinerSector>;
  problems: MinerProblem[];
}

const KNOWN = new Set(['id', 'state', 'onchain', 'active', 'expiration', 'sealtime', 'events', 'deals', 'dealweight', 'verifiedpower', 'pledge']);

/**
 * `lotus-miner sectors list [-p -t -e]` (lotus tablewriter): columns found from the header; cells
 * of unknown columns go to `extra`; "new-line columns" ("  Error: …", "  RecoveryTimeout: …") attach
 * to the row above. Also reads the 2020 form "12: Proving sSet: YES active: YES …".
 */
export function parseSectorsList(text: string): ParsedSectorsList {
  const problems = new ProblemList(SECTORS_LIST_SOURCE);
  const sectors: Record<string, MinerSector> = {};
  const lines = textLines(text);
  const headerAt = lines.findIndex((l) => {
    const names = headerColumns(l).map((c) => c.name.toLowerCase());
    return names[0] === 'id' && names.includes('state');
  });
  if (headerAt < 0) {
    lines.forEach((line, i) => {
      const m = /^(\d+):\s+(\S+)(.*)$/.exec(line.trim());
      if (m && Number.isSafeInteger(Number(m[1]))) {
        const s: MinerSector = { number: Number(m[1]), state: clipText(m[2]!, 128) };
        const on = /sSet:\s*(YES|NO)/.exec(m[3]!);
        const act = /active:\s*(YES|NO)/.exec(m[3]!);
        if (on) s.onChain = on[1] === 'YES';
        if (act) s.active = act[1] === 'YES';
        sectors[String(s.number)] = s;
      } else if (line.trim()) problems.add('no `sectors list` header (ID  State …) found', { raw: line, line: i + 1 });
    });
    return { sectors, problems: problems.list() };
  }
  const columns = headerColumns(lines[headerAt]!);
  const col = {
    id: findColumn(columns, 'ID')!,
    state: findColumn(columns, 'State')!,
    onChain: findColumn(columns, 'OnChain'),
    active: findColumn(columns, 'Active'),
    expiration: findColumn(columns, 'Expiration'),
    sealTime: findColumn(columns, 'SealTime'),
    events: findColumn(columns, 'Events'),
    deals: findColumn(columns, 'Deals'),
    dealWeight: findColumn(columns, 'DealWeight'),
    verifiedPower: findColumn(columns, 'VerifiedPower'),
    pledge: findColumn(columns, 'Pledge'),
  };
  let last: MinerSector | undefined;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (t === '') continue;
    const nl = /^(Error|RecoveryTimeout):\s*(.*)$/.exec(t);
    if (nl && /^\s/.test(line)) {
      if (!last) problems.add(`${nl[1]} line without a sector row`, { raw: line, line: i + 1 });
      else if (nl[1] === 'Error') last.error = clipText(nl[2]!, 4096);
      else last.recoveryTimeout = clipText(nl[2]!, 256);
      continue;
    }
    const row = splitRow(line, columns, i + 1);
    const cell = (name: string | undefined) => (name === undefined ? '' : (row.cells[name] ?? ''));
    const idText = cell(col.id);
    const state = cell(col.state);
    if (!/^\d{1,19}$/.test(idText) || !Number.isSafeInteger(Number(idText)) || state === '') {
      problems.add('not a sector row', { raw: line, line: i + 1 });
      last = undefined;
      continue;
    }
    const s: MinerSector = { number: Number(idText), state: clipText(state, 128) };
    const yes = (v: string) => (v === 'YES' ? true : v === 'NO' ? false : undefined);
    const onChain = yes(cell(col.onChain));
    const active = yes(cell(col.active));
    if (onChain !== undefined) s.onChain = onChain;
    if (active !== undefined) s.active = active;
    const exp = cell(col.expiration);
    if (exp) {
      s.expirationText = clipText(exp, 256);
      const em = /^(-?\d+)\b/.exec(exp);
      if (em && Number.isSafeInteger(Number(em[1]))) s.expirationEpoch = Number(em[1]);
    }
    const seal = cell(col.sealTime);
    if (seal) s.sealTimeText = clipText(seal, 64);
    const ev = cell(col.events);
    if (/^\d+$/.test(ev) && Number.isSafeInteger(Number(ev))) s.events = Number(ev);
    const deals = cell(col.deals);
    if (deals) {
      s.deals = clipText(deals, 64);
      const n = /^(?:DDO:)?(\d+)$/.exec(deals);
      s.dealCount = n ? Number(n[1]) : 0;
    }
    const dw = cell(col.dealWeight);
    if (dw) s.dealWeightText = clipText(dw, 64);
    const vp = cell(col.verifiedPower);
    if (vp) s.verifiedPowerText = clipText(vp, 64);
    const pledge = cell(col.pledge);
    if (pledge) {
      const f = parseFilAmount(pledge);
      if (f) s.pledge = f;
      else problems.add(`unreadable pledge "${clipText(pledge, 64)}"`, { raw: line, line: i + 1 });
    }
    for (const c of columns) {
      if (KNOWN.has(c.name.toLowerCase())) continue;
      const v = row.cells[c.name];
      if (v) (s.extra ??= {})[clipText(c.name, 64)] = clipText(v, 256);
    }
    if (row.extra.length) problems.add('extra cells in a sector row', { raw: line, line: i + 1 });
    sectors[String(s.number)] = s;
    last = s;
  }
  return { sectors, problems: problems.list() };
}
