import { formatGoDurationMs } from './go-format';

/**
 * Block-win projections exactly as `lotus-miner info` computes them (cli/miner/info.go): per-epoch
 * win chance p = −expm1(−5 × minerQAP / networkQAP) (5 expected leaders per epoch), 2880 epochs a
 * day, 30 s epochs.
 */
export interface WinProjection {
  /** Expected won blocks per day. */
  expectedPerDay: number;
  /** "0.10/week (every 1610h35m14s)" */
  winRateText: string;
  /** "11125h30m53s": within this time a win is 99.9 % likely. */
  certainWithinText: string;
}

const BLOCKS_PER_EPOCH = 5n;
const EPOCHS_PER_DAY = 2880;
const EPOCH_SECONDS = 30;

export function winProjection(minerQap: bigint, networkQap: bigint): WinProjection | undefined {
  if (networkQap <= 0n || minerQap <= 0n) return undefined;
  const ratio = ratioToNumber(minerQap * BLOCKS_PER_EPOCH, networkQap);
  if (!(ratio > 0)) return undefined;
  const p = -Math.expm1(-ratio);
  const weekly = p * 7 * EPOCHS_PER_DAY;
  const avgSeconds = EPOCH_SECONDS / p;
  const certainSeconds = (EPOCH_SECONDS * Math.log(1 - 0.999)) / Math.log(1 - p);
  return {
    expectedPerDay: p * EPOCHS_PER_DAY,
    winRateText: `${weekly.toFixed(2)}/week (every ${formatGoDurationMs(Math.trunc(avgSeconds) * 1000)})`,
    certainWithinText: formatGoDurationMs(Math.trunc(certainSeconds) * 1000),
  };
}

/** a/b as a float without losing precision on huge integers. */
function ratioToNumber(a: bigint, b: bigint): number {
  const scale = 10n ** 30n;
  return Number((a * scale) / b) / 1e30;
}
