import { maskV4, maskV6, type Cidr, type IpAddress } from './cidr';

/**
 * Longest-prefix match over a fixed set of networks, precomputed once: per address family, one
 * hash map per prefix length present, tried from the longest length down. A lookup costs one
 * mask and one map probe per distinct length (a farm with 1,000 /24s does one probe), no scan.
 */
export interface SubnetMatch<T> {
  readonly cidr: Cidr;
  readonly value: T;
}

interface Level<K, T> {
  readonly bits: number;
  readonly mask: K;
  readonly table: Map<K, SubnetMatch<T>>;
}

export class SubnetMatcher<T> {
  private readonly v4: Level<number, T>[] = [];
  private readonly v6: Level<bigint, T>[] = [];
  readonly size: number;

  /** Duplicate networks: the first one wins (config validation refuses duplicates before this). */
  constructor(entries: Iterable<SubnetMatch<T>>) {
    const v4 = new Map<number, Map<number, SubnetMatch<T>>>();
    const v6 = new Map<number, Map<bigint, SubnetMatch<T>>>();
    let size = 0;
    for (const entry of entries) {
      const c = entry.cidr;
      if (c.family === 4) {
        let table = v4.get(c.bits);
        if (!table) v4.set(c.bits, (table = new Map()));
        if (!table.has(c.v4)) {
          table.set(c.v4, entry);
          size++;
        }
      } else {
        let table = v6.get(c.bits);
        if (!table) v6.set(c.bits, (table = new Map()));
        if (!table.has(c.v6)) {
          table.set(c.v6, entry);
          size++;
        }
      }
    }
    for (const [bits, table] of [...v4].sort((a, b) => b[0] - a[0])) this.v4.push({ bits, mask: maskV4(bits), table });
    for (const [bits, table] of [...v6].sort((a, b) => b[0] - a[0])) this.v6.push({ bits, mask: maskV6(bits), table });
    this.size = size;
  }

  match(ip: IpAddress): SubnetMatch<T> | undefined {
    if (ip.family === 4) {
      const a = ip.v4;
      for (const level of this.v4) {
        const hit = level.table.get((a & level.mask) >>> 0);
        if (hit) return hit;
      }
      return undefined;
    }
    const a = ip.v6;
    for (const level of this.v6) {
      const hit = level.table.get(a & level.mask);
      if (hit) return hit;
    }
    return undefined;
  }

  has(ip: IpAddress): boolean {
    return this.match(ip) !== undefined;
  }
}
