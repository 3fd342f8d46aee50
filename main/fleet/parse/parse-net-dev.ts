import { parseCounter, splitLines } from './parse-util';

export interface NetCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

/** /proc/net/dev after its two header lines: "  eth0: bytes packets errs drop fifo frame compressed multicast bytes packets errs drop ...". */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const out = new Map<string, NetCounters>();
  for (const line of splitLines(text)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    // Header lines have "|" in them; loopback says nothing about the host's network.
    if (iface === '' || iface.includes('|') || iface === 'lo') continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map((v) => parseCounter(v));
    if (f.length < 16 || f.some((v) => v === null)) continue;
    const v = f as number[];
    out.set(iface, { rxBytes: v[0]!, rxPackets: v[1]!, rxErrors: v[2]!, rxDrops: v[3]!, txBytes: v[8]!, txPackets: v[9]!, txErrors: v[10]!, txDrops: v[11]! });
  }
  return out;
}
