import type { ByteQuantity, FilAmount, MinerBalances, MinerOverview, MinerPower, MinerProblem } from '../../contract/miners';
import { parseByteSize } from '../byte-size';
import { parseFilAmount } from '../fil-amount';
import { parseGoDurationMs } from '../go-format';
import { clipText, ProblemList } from '../miner-problem';
import { textLines } from './strip-ansi';

export const INFO_SOURCE = 'lotus-miner info';

export interface ParsedMinerInfo {
  overview: Pick<MinerOverview, 'minerId' | 'sectorSize' | 'chain' | 'subsystems' | 'startedAtMs' | 'activeAlerts' | 'blocks' | 'workerKinds'> & {
    balances: MinerBalances;
    power: MinerPower;
  };
  /** The `Sectors:` block without Total (undefined when the block is absent, e.g. --hide-sectors-info). */
  states?: Record<string, number>;
  /** The Total line of that block. */
  statesTotal?: number;
  problems: MinerProblem[];
}

type Section = 'top' | 'miner' | 'market' | 'worker' | 'after' | 'sectors' | 'blocks';

/** Lines lotus prints that Drover reads nothing from (known, so not reported). */
const IGNORED = [
  /^\(projections DO NOT account/,
  /^Beneficiary (Quota|Used Quota|Expiration):/,
  /^Pending Beneficiary Term:/,
  /^New (Beneficiary|Quota|Expiration):/,
  /^Approved By (Beneficiary|Nominee):/,
  /^Deals:/, // 2020: "Deals: 0, 0 B"
  /^Active: \d+, /, // 2020 deals block
  /^Expected Seal Duration:/,
];

/**
 * `lotus-miner info` (cli/miner/info.go). Reads the current layout and the 2020 one ("Sector Size:",
 * "Byte Power:", "Actual Power:", "Market (Escrow):"). Every line it does not understand becomes a problem.
 */
export function parseMinerInfo(text: string): ParsedMinerInfo {
  const problems = new ProblemList(INFO_SOURCE);
  const balances: MinerBalances = {};
  const power: MinerPower = {};
  const out: ParsedMinerInfo = { overview: { balances, power }, problems: [] };
  const ov = out.overview;
  let section: Section = 'top';
  const lines = textLines(text);

  const fil = (s: string, line: string, lineNo: number): FilAmount | undefined => {
    const v = parseFilAmount(s);
    if (!v) problems.add(`unreadable FIL amount "${clipText(s, 64)}"`, { raw: line, line: lineNo });
    else if (v.atto === undefined) problems.add(`unknown FIL unit in "${clipText(s, 64)}"`, { raw: line, line: lineNo });
    return v;
  };
  const size = (s: string, line: string, lineNo: number): ByteQuantity | undefined => {
    const v = parseByteSize(s);
    if (!v) problems.add(`unreadable size "${clipText(s, 64)}"`, { raw: line, line: lineNo });
    else if (v.bytes === undefined) problems.add(`unknown size unit in "${clipText(s, 64)}"`, { raw: line, line: lineNo });
    return v;
  };

  const handle = (line: string, lineNo: number): void => {
    const t = line.trim();
    if (t === '') return;
    let m: RegExpExecArray | null;
    if (section === 'blocks') return; // `--blocks` table
    if ((m = /^Enabled subsystems:\s*\[(.*)\]\s*$/.exec(t))) {
      ov.subsystems = m[1]!.split(/\s+/).filter(Boolean).slice(0, 32).map((s) => clipText(s, 64));
      return;
    }
    if ((m = /^StartTime:\s*(\S+)\s*\(started at (.+)\)\s*$/.exec(t))) {
      const at = parseGoTime(m[2]!);
      if (at !== undefined) ov.startedAtMs = at;
      else problems.add('unreadable start time', { raw: line, line: lineNo });
      return;
    }
    if ((m = /^Chain:\s*\[([^\]]*)\]\s*(?:\[basefee\s+([^\]]*)\])?/.exec(t))) {
      const syncText = m[1]!.trim();
      const sync = /^sync\s+(ok|slow|behind)/.exec(syncText)?.[1] ?? syncText.replace(/^sync\s+/, '').split(/[\s!(]/)[0] ?? '';
      ov.chain = { sync: clipText(sync, 64), syncText: clipText(syncText, 256) };
      if (m[2] !== undefined) {
        const fee = fil(m[2], line, lineNo);
        if (fee) ov.chain.basefee = fee;
      }
      return;
    }
    if ((m = /^⚠?\s*(\d+) Active alerts/.exec(t))) {
      ov.activeAlerts = Number(m[1]);
      return;
    }
    if ((m = /^Miner:\s+(\S+)(?:\s+\((.+?) sectors\))?\s*$/.exec(t))) {
      ov.minerId = clipText(m[1]!, 128);
      if (m[2] !== undefined) {
        const s = size(m[2], line, lineNo);
        if (s) ov.sectorSize = s;
      }
      return;
    }
    if ((m = /^Sector Size:\s*(.+)$/.exec(t))) {
      const s = size(m[1]!, line, lineNo);
      if (s) ov.sectorSize = s;
      return;
    }
    if ((m = /^(Power|Actual Power|Byte Power|Raw):\s*(.*?)\s*\/\s*(.*?)\s*\(([-\d.eE+]+)%\)\s*$/.exec(t))) {
      const raw = m[1] === 'Raw' || m[1] === 'Byte Power';
      const mine = size(m[2]!, line, lineNo);
      const net = size(m[3]!, line, lineNo);
      if (raw) {
        if (mine) power.raw = mine;
        if (net) power.networkRaw = net;
        power.rawPercentText = clipText(m[4]!, 32);
      } else {
        if (mine) power.qualityAdjusted = mine;
        if (net) power.networkQualityAdjusted = net;
        power.qualityAdjustedPercentText = clipText(m[4]!, 32);
      }
      return;
    }
    if ((m = /^Committed:\s*(.+)$/.exec(t))) {
      const s = size(m[1]!, line, lineNo);
      if (s) power.committed = s;
      return;
    }
    if ((m = /^Proving:\s*(.+?)(?:\s*\((.+?) Faulty, ([\d.]+)%\))?\s*$/.exec(t)) && section === 'top') {
      const s = size(m[1]!, line, lineNo);
      if (s) power.proving = s;
      if (m[2] !== undefined) {
        const f = size(m[2], line, lineNo);
        if (f) power.faulty = f;
      } else power.faulty = { bytes: '0', text: '0 B', exact: false };
      return;
    }
    if ((m = /^Below minimum power threshold, no blocks will be won(.*)$/.exec(t))) {
      power.hasMinPower = false;
      if (m[1]!.trim()) handle(m[1]!, lineNo);
      return;
    }
    if ((m = /^Projected average block win rate:\s*(([\d.]+)\/week(?:\s*\(every (\S+)\))?)\s*$/.exec(t))) {
      power.hasMinPower = true;
      const every = m[3] === undefined ? undefined : parseGoDurationMs(m[3]);
      const weekly = Number(m[2]);
      const perDay = every !== undefined && every > 0 ? 86_400_000 / every : Number.isFinite(weekly) ? weekly / 7 : undefined;
      ov.blocks = { ...ov.blocks, winRateText: clipText(m[1]!, 128) };
      if (perDay !== undefined && Number.isFinite(perDay)) ov.blocks.expectedPerDay = perDay;
      return;
    }
    if ((m = /^Projected block win with 99\.9% probability every (\S+)\s*$/.exec(t))) {
      ov.blocks = { ...ov.blocks, certainWithinText: clipText(m[1]!, 64) };
      return;
    }
    if ((m = /^Miner Balance:\s*(.+)$/.exec(t))) {
      section = 'miner';
      const v = fil(m[1]!, line, lineNo);
      if (v) balances.miner = v;
      return;
    }
    if ((m = /^Market Balance:\s*(.+)$/.exec(t)) || (m = /^Market \(Escrow\):\s*(.+)$/.exec(t))) {
      section = 'market';
      const v = fil(m[1]!, line, lineNo);
      if (v) (balances.market ??= {}).escrow = v;
      return;
    }
    if ((m = /^Market \(Locked\):\s*(.+)$/.exec(t))) {
      const v = fil(m[1]!, line, lineNo);
      if (v) (balances.market ??= {}).locked = v;
      return;
    }
    if ((m = /^Worker Balance:\s*(.+)$/.exec(t))) {
      section = 'worker';
      const v = fil(m[1]!, line, lineNo);
      if (v) balances.worker = { ...balances.worker, balance: v };
      return;
    }
    if ((m = /^Total Spendable:\s*(.+)$/.exec(t))) {
      section = 'after';
      const v = fil(m[1]!, line, lineNo);
      if (v) balances.totalSpendable = v;
      return;
    }
    if ((m = /^(PreCommit|Pledge|Vesting|Locked|Available|Control):\s*(.+)$/.exec(t)) && (section === 'miner' || section === 'market' || section === 'worker')) {
      const v = fil(m[2]!, line, lineNo);
      if (!v) return;
      const label = m[1]!;
      if (section === 'market' && label === 'Locked') (balances.market ??= {}).locked = v;
      else if (section === 'market' && label === 'Available') (balances.market ??= {}).available = v;
      else if (label === 'PreCommit') balances.precommitDeposits = v;
      else if (label === 'Pledge') balances.initialPledge = v;
      else if (label === 'Vesting' || label === 'Locked') balances.vesting = v;
      else if (label === 'Available') balances.available = v;
      else if (label === 'Control') balances.controlTotal = v;
      return;
    }
    if ((m = /^Beneficiary:\s*(\S+)\s*$/.exec(t))) {
      section = 'after';
      balances.beneficiary = clipText(m[1]!, 128);
      return;
    }
    if (/^Sectors:\s*$/.test(t)) {
      section = 'sectors';
      out.states = {};
      return;
    }
    if ((m = /^Workers:\s*(.*)$/.exec(t))) {
      section = 'after';
      const kinds = { seal: 0, wdpost: 0, winpost: 0 };
      for (const k of m[1]!.matchAll(/(\w+)\((\d+)\)/g)) {
        const n = Number(k[2]);
        if (k[1] === 'Seal') kinds.seal = n;
        else if (k[1] === 'WdPoSt') kinds.wdpost = n;
        else if (k[1] === 'WinPoSt') kinds.winpost = n;
      }
      ov.workerKinds = kinds;
      return;
    }
    if (/^Produced newest blocks:/.test(t)) {
      section = 'blocks';
      return;
    }
    if (/^ERROR:/.test(t)) {
      problems.add(clipText(t, 1024), { raw: line, line: lineNo });
      return;
    }
    if (section === 'sectors' && (m = /^([A-Za-z0-9]*):\s*(\d+)\s*$/.exec(t))) {
      const n = Number(m[2]);
      if (!Number.isSafeInteger(n)) problems.add('unreadable sector count', { raw: line, line: lineNo });
      else if (m[1] === 'Total') out.statesTotal = n;
      else out.states![m[1]!] = n;
      return;
    }
    if (IGNORED.some((re) => re.test(t))) return;
    problems.add('unrecognised line', { raw: line, line: lineNo });
  };

  lines.forEach((line, i) => handle(line, i + 1));
  out.problems = problems.list();
  return out;
}

/** Go's time.Time.String() truncated to seconds: "2026-03-02 05:15:20 +0000 UTC" → unix ms. */
export function parseGoTime(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([-+])(\d{2})(\d{2})(?: \S+)?/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3]}${m[4]}:${m[5]}`);
  return Number.isFinite(ms) ? ms : undefined;
}
