import { MINER_HISTORY_POINTS, type MinerHistory, type MinerSnapshot } from '../contract/miners';
import { quantityNumber } from './byte-size';
import { errorSectorCount, filNumber } from './miner-alerts';

interface Point {
  atMs: number;
  jobsByState: Record<string, number>;
  raw: number | null;
  qa: number | null;
  miner: number | null;
  available: number | null;
  worker: number | null;
  control: number | null;
  errorSectors: number | null;
}

/** Jobs per state in a snapshot. */
export function jobsByState(jobs: MinerSnapshot['jobs']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of Object.values(jobs)) out[j.state] = (out[j.state] ?? 0) + 1;
  return out;
}

/** Chart history of one session: a bounded ring in memory (one point per poll). */
export class MinerHistoryRing {
  private readonly points: Point[] = [];

  constructor(
    private readonly sessionId: string,
    private intervalMs: number,
    private readonly max = MINER_HISTORY_POINTS,
  ) {}

  setPollInterval(ms: number): void {
    this.intervalMs = ms;
  }

  get size(): number {
    return this.points.length;
  }

  add(snap: MinerSnapshot, atMs: number, byState = jobsByState(snap.jobs)): void {
    const o = snap.overview;
    this.points.push({
      atMs,
      jobsByState: byState,
      raw: quantityNumber(o.power.raw) ?? null,
      qa: quantityNumber(o.power.qualityAdjusted) ?? null,
      miner: filNumber(o.balances.miner?.atto),
      available: filNumber(o.balances.available?.atto),
      worker: filNumber(o.balances.worker?.balance?.atto),
      control: filNumber(o.balances.controlTotal?.atto),
      errorSectors: errorSectorCount(snap),
    });
    if (this.points.length > this.max) this.points.splice(0, this.points.length - this.max);
  }

  toHistory(): MinerHistory {
    const states = new Set<string>();
    for (const p of this.points) for (const s of Object.keys(p.jobsByState)) states.add(s);
    const jobs: Record<string, number[]> = {};
    for (const s of [...states].sort()) jobs[s] = this.points.map((p) => p.jobsByState[s] ?? 0);
    return {
      sessionId: this.sessionId,
      intervalMs: this.intervalMs,
      atMs: this.points.map((p) => p.atMs),
      jobsByState: jobs,
      power: { rawBytes: this.points.map((p) => p.raw), qualityAdjustedBytes: this.points.map((p) => p.qa) },
      balances: { miner: this.points.map((p) => p.miner), available: this.points.map((p) => p.available), worker: this.points.map((p) => p.worker), control: this.points.map((p) => p.control) },
      errorSectors: this.points.map((p) => p.errorSectors),
    };
  }
}
