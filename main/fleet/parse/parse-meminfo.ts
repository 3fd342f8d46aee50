import type { HostMetrics } from '../../contract/fleet';
import { parseCounter, round, splitLines } from './parse-util';

/** /proc/meminfo ("MemTotal:       24683664 kB"): memory and swap, in bytes. */
export function parseMeminfo(text: string): { memory: HostMetrics['memory']; swap: HostMetrics['swap'] } {
  const kb = new Map<string, number>();
  for (const line of splitLines(text)) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (!m) continue;
    const v = parseCounter(m[2]);
    if (v !== null) kb.set(m[1]!, v * 1024);
  }
  let memory: HostMetrics['memory'] = null;
  const total = kb.get('MemTotal');
  if (total !== undefined && total > 0) {
    // MemAvailable exists since Linux 3.14; before that, free + buffers + page cache is the usual estimate.
    const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
    const avail = Math.min(available, total);
    memory = { totalBytes: total, availableBytes: avail, usedBytes: total - avail, usePercent: round(((total - avail) / total) * 100, 1) };
  }
  let swap: HostMetrics['swap'] = null;
  const swapTotal = kb.get('SwapTotal');
  const swapFree = kb.get('SwapFree');
  if (swapTotal !== undefined && swapFree !== undefined) {
    const used = Math.max(0, swapTotal - swapFree);
    swap = { totalBytes: swapTotal, freeBytes: swapFree, usedBytes: used, usePercent: swapTotal > 0 ? round((used / swapTotal) * 100, 1) : null };
  }
  return { memory, swap };
}
