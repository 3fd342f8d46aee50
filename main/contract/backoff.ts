/** Randomness as a dependency, so tests can drive jitter. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
}
export const mathRandom: Random = { next: () => Math.random() };

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /**
   * 'full': a uniform delay in [0, ceiling] (spreads reconnect storms of many tunnels; the default).
   * A number f: the ceiling ± f (e.g. 0.2), for one client whose retries a person watches.
   */
  jitter?: 'full' | number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000 };

/**
 * Exponential backoff: ceiling = min(cap, base * 2^attempt), with jitter. attempt 0 is the first
 * retry after a failure. The one backoff of Drover: SSH connections and the UI's link to the services.
 */
export function backoffDelayMs(attempt: number, random: Random, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const jitter = policy.jitter ?? 'full';
  if (jitter === 'full') return Math.round(random.next() * ceiling);
  return Math.round(Math.min(policy.capMs, ceiling * (1 - jitter + 2 * jitter * random.next())));
}
