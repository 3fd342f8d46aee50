import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Clock } from '../contract/clock';
import { normalizeMac } from '../farm/mac-address';
import { parseIp, type IpAddress } from './cidr';

/**
 * The kernel's neighbour table (ARP for IPv4, NDP for IPv6): how the responder learns a client's
 * MAC when the script did not pass one. Read from /proc/net/arp and `ip -6 neigh show`, behind
 * an injectable reader; cached briefly and refreshed at most once per refreshMs on a miss, so a
 * boot storm does not read the table thousands of times a second.
 */

export interface NeighbourEntry {
  ip: IpAddress;
  mac: string;
  device: string;
  /** NDP state (REACHABLE, STALE, ...); "" for ARP. */
  state: string;
}

export interface ParsedNeighbours {
  entries: NeighbourEntry[];
  /** Lines that could not be read, with their 1-based number. */
  problems: { line: number; text: string }[];
}

/**
 * /proc/net/arp:
 *   IP address       HW type     Flags       HW address            Mask     Device
 *   10.40.0.21       0x1         0x2         52:54:00:a1:9c:ae     *        eth0
 * Flags 0x0 (incomplete) and all-zero addresses are skipped: no MAC is known for them.
 */
export function parseProcNetArp(text: string): ParsedNeighbours {
  const entries: NeighbourEntry[] = [];
  const problems: ParsedNeighbours['problems'] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || (i === 0 && line.startsWith('IP address'))) return;
    const f = line.split(/\s+/);
    if (f.length < 6) {
      problems.push({ line: i + 1, text: raw });
      return;
    }
    const ip = parseIp(f[0]!);
    const flags = Number.parseInt(f[2]!, 16);
    const mac = normalizeMac(f[3]!);
    if (!ip || !mac || Number.isNaN(flags)) {
      problems.push({ line: i + 1, text: raw });
      return;
    }
    if ((flags & 0x2) === 0 || mac === '00:00:00:00:00:00') return;
    entries.push({ ip, mac, device: f[5]!, state: '' });
  });
  return { entries, problems };
}

const NO_LLADDR_STATES = new Set(['FAILED', 'INCOMPLETE', 'NONE', 'NOARP']);

/**
 * `ip -6 neigh show`:
 *   fd00:40::21 dev eth0 lladdr 52:54:00:a1:9c:ae REACHABLE
 *   fe80::1 dev eth0 lladdr 52:54:00:12:34:56 router STALE
 *   fd00:40::99 dev eth0 FAILED
 * Entries without lladdr have no MAC and are skipped. IPv4 lines (plain `ip neigh`) parse too.
 */
export function parseIpNeigh(text: string): ParsedNeighbours {
  const entries: NeighbourEntry[] = [];
  const problems: ParsedNeighbours['problems'] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const f = line.split(/\s+/);
    const ip = parseIp(f[0]!);
    if (!ip) {
      problems.push({ line: i + 1, text: raw });
      return;
    }
    let device = '';
    let mac: string | undefined;
    let hasLladdr = false;
    for (let j = 1; j < f.length; j++) {
      if (f[j] === 'dev' && j + 1 < f.length) device = f[++j]!;
      else if (f[j] === 'lladdr' && j + 1 < f.length) {
        hasLladdr = true;
        mac = normalizeMac(f[++j]!);
      }
    }
    const state = f[f.length - 1]!;
    if (!hasLladdr) {
      if (!NO_LLADDR_STATES.has(state)) problems.push({ line: i + 1, text: raw });
      return;
    }
    if (!mac) {
      problems.push({ line: i + 1, text: raw });
      return;
    }
    entries.push({ ip, mac, device, state: /^[A-Z_]+$/.test(state) ? state : '' });
  });
  return { entries, problems };
}

/** Where the tables come from; tests pass their own. */
export interface NeighbourSource {
  readArp(): Promise<string>;
  readIpv6Neighbours(): Promise<string>;
}

export const systemNeighbourSource: NeighbourSource = {
  readArp: () => readFile('/proc/net/arp', 'utf8'),
  readIpv6Neighbours: () =>
    new Promise((resolve, reject) => {
      execFile('ip', ['-6', 'neigh', 'show'], { timeout: 2000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    }),
};

export type NeighbourLookup = { mac: string } | { mac?: undefined; reason: string };

export interface NeighbourTableOptions {
  source?: NeighbourSource;
  clock: Clock;
  /** A cached table is used for this long before a miss re-reads it. Default 1000 ms. */
  refreshMs?: number;
}

interface Snapshot {
  atMs: number;
  v4: Map<number, string>;
  v6: Map<bigint, string>;
  v4Error?: string;
  v6Error?: string;
}

export class NeighbourTable {
  private readonly source: NeighbourSource;
  private readonly clock: Clock;
  private readonly refreshMs: number;
  private snapshot: Snapshot | undefined;
  private pending: Promise<Snapshot> | undefined;

  constructor(options: NeighbourTableOptions) {
    this.source = options.source ?? systemNeighbourSource;
    this.clock = options.clock;
    this.refreshMs = options.refreshMs ?? 1000;
  }

  /** The MAC the kernel knows for ip, or why none is known. Never throws. */
  async lookup(ip: IpAddress): Promise<NeighbourLookup> {
    let snap = this.snapshot;
    let hit = snap ? find(snap, ip) : undefined;
    if (hit) return { mac: hit };
    if (!snap || this.clock.now() - snap.atMs >= this.refreshMs) {
      snap = await this.refresh();
      hit = find(snap, ip);
      if (hit) return { mac: hit };
    }
    const error = ip.family === 4 ? snap.v4Error : snap.v6Error;
    if (error) return { reason: `the neighbour table could not be read (${error})` };
    const table = ip.family === 4 ? '/proc/net/arp' : '`ip -6 neigh`';
    return { reason: `${ip.text} has no entry in the neighbour table (${table}); a client behind a router or proxy must pass ?mac=\${net0/mac}` };
  }

  /** Reads both tables now (one read at a time; concurrent callers share it). */
  refresh(): Promise<Snapshot> {
    if (this.pending) return this.pending;
    const run = async (): Promise<Snapshot> => {
      const [arp, ndp] = await Promise.allSettled([this.source.readArp(), this.source.readIpv6Neighbours()]);
      const snap: Snapshot = { atMs: this.clock.now(), v4: new Map(), v6: new Map() };
      if (arp.status === 'fulfilled') for (const e of parseProcNetArp(arp.value).entries) add(snap, e);
      else snap.v4Error = errorText(arp.reason);
      if (ndp.status === 'fulfilled') for (const e of parseIpNeigh(ndp.value).entries) add(snap, e);
      else snap.v6Error = errorText(ndp.reason);
      this.snapshot = snap;
      return snap;
    };
    this.pending = run().finally(() => (this.pending = undefined));
    return this.pending;
  }
}

function add(snap: Snapshot, e: NeighbourEntry): void {
  if (e.ip.family === 4) snap.v4.set(e.ip.v4, e.mac);
  else snap.v6.set(e.ip.v6, e.mac);
}

function find(snap: Snapshot, ip: IpAddress): string | undefined {
  return ip.family === 4 ? snap.v4.get(ip.v4) : snap.v6.get(ip.v6);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
