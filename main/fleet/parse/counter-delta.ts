const TWO_32 = 2 ** 32;

/**
 * The increase of a cumulative counter between two readings, or null when it cannot be known.
 * A counter that went backwards either wrapped at 32 bits (older drivers and 32-bit kernels; the
 * wrapped increase is then plausible, under 2^31) or was reset (driver reload, device re-created):
 * a reset gives null, never a huge or negative number.
 */
export function counterDelta(current: number, previous: number): number | null {
  if (current >= previous) return current - previous;
  if (previous < TWO_32) {
    const wrapped = current + TWO_32 - previous;
    if (wrapped < 2 ** 31) return wrapped;
  }
  return null;
}
