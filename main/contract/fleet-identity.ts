import type { FleetHost, FleetLookup } from './fleet';
import { normalizeMac } from './mac-address';

/**
 * Matching what a page knows about a machine (MAC, host name, IP, SSH host, lotus worker) to its
 * Fleet inventory host. Pure, shared by main (fleet.lookup, the inventory's imports) and the
 * renderer (every page that shows a machine links to its one Fleet identity, matched locally
 * against the inventory the fleet store already holds).
 */

/** Lower-case, no trailing dot. */
export function normalizeHostname(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function isIpv4Like(s: string): boolean {
  return /^\d+(\.\d+){3}$/.test(s);
}

/** "rig-07.farm.lan" and "rig-07" name the same machine; two different FQDNs do not. */
export function sameHostname(a: string, b: string): boolean {
  const x = normalizeHostname(a);
  const y = normalizeHostname(b);
  if (x === '' || y === '') return false;
  if (x === y) return true;
  if (!x.includes('.') && y.split('.')[0] === x) return !isIpv4Like(y);
  if (!y.includes('.') && x.split('.')[0] === y) return !isIpv4Like(x);
  return false;
}

/**
 * What another feature knows about a machine → its inventory host. A MAC in any spelling; a host
 * name as above; an IP against the host's own address and its SSH target; an SSH host name
 * against the target (and the host name); a lotus worker against lotusWorker and the host name.
 * The first field that matches wins, in that order; among hosts, the first in inventory order.
 */
export function lookupHost(hosts: readonly FleetHost[], q: FleetLookup): FleetHost | undefined {
  const mac = q.mac ? normalizeMac(q.mac) : undefined;
  if (q.mac && !mac) return undefined;
  for (const h of hosts) {
    if (mac && h.mac === mac) return h;
  }
  if (q.hostname) {
    const found = hosts.find((h) => (h.hostname && sameHostname(h.hostname, q.hostname!)) || sameHostname(h.name, q.hostname!));
    if (found) return found;
  }
  if (q.lotusWorker) {
    const w = q.lotusWorker.toLowerCase();
    const found = hosts.find((h) => h.lotusWorker?.toLowerCase() === w) ?? hosts.find((h) => h.hostname !== undefined && sameHostname(h.hostname, q.lotusWorker!));
    if (found) return found;
  }
  if (q.ip) {
    const ip = q.ip.toLowerCase();
    const found = hosts.find((h) => h.ip?.toLowerCase() === ip) ?? hosts.find((h) => h.target.host.toLowerCase() === ip);
    if (found) return found;
  }
  if (q.sshHost) {
    const s = q.sshHost.toLowerCase();
    const found = hosts.find((h) => h.target.host.toLowerCase() === s) ?? hosts.find((h) => h.hostname !== undefined && sameHostname(h.hostname, q.sshHost!));
    if (found) return found;
  }
  return undefined;
}

/** First position per key. */
function firstBy(map: Map<string, number>, key: string, i: number): void {
  if (key !== '' && !map.has(key)) map.set(key, i);
}

/** Host names by position, answering sameHostname(name, query) without a scan. */
class NameIndex {
  private readonly full = new Map<string, number>();
  /** First labels of dotted names (not IPv4-like): "rig-07" for "rig-07.farm.lan". */
  private readonly short = new Map<string, number>();
  /** Names without a dot. */
  private readonly bare = new Map<string, number>();

  add(name: string | undefined, i: number): void {
    if (name === undefined) return;
    const n = normalizeHostname(name);
    if (n === '') return;
    firstBy(this.full, n, i);
    if (!n.includes('.')) firstBy(this.bare, n, i);
    else if (!isIpv4Like(n)) firstBy(this.short, n.split('.')[0]!, i);
  }

  /** The first position whose name is the same host name as `query`. */
  find(query: string): number | undefined {
    const q = normalizeHostname(query);
    if (q === '') return undefined;
    const hits = [this.full.get(q)];
    if (!q.includes('.')) hits.push(this.short.get(q));
    else if (!isIpv4Like(q)) hits.push(this.bare.get(q.split('.')[0]!));
    return minOf(hits);
  }
}

function minOf(xs: readonly (number | undefined)[]): number | undefined {
  let out: number | undefined;
  for (const x of xs) if (x !== undefined && (out === undefined || x < out)) out = x;
  return out;
}

/** lookupHost over an index built once: for pages that match many rows against one inventory. */
export interface HostIdentityIndex {
  find(q: FleetLookup): FleetHost | undefined;
}

export function indexHosts(hosts: readonly FleetHost[]): HostIdentityIndex {
  const mac = new Map<string, number>();
  const ip = new Map<string, number>();
  const target = new Map<string, number>();
  const lotus = new Map<string, number>();
  const hostOrName = new NameIndex();
  const hostnameOnly = new NameIndex();
  hosts.forEach((h, i) => {
    if (h.mac) firstBy(mac, h.mac, i);
    if (h.ip) firstBy(ip, h.ip.toLowerCase(), i);
    firstBy(target, h.target.host.toLowerCase(), i);
    if (h.lotusWorker) firstBy(lotus, h.lotusWorker.toLowerCase(), i);
    hostOrName.add(h.hostname, i);
    hostOrName.add(h.name, i);
    hostnameOnly.add(h.hostname, i);
  });
  const at = (i: number | undefined) => (i === undefined ? undefined : hosts[i]);
  return {
    find(q) {
      if (q.mac) {
        const m = normalizeMac(q.mac);
        if (!m) return undefined;
        const hit = at(mac.get(m));
        if (hit) return hit;
      }
      if (q.hostname) {
        const hit = at(hostOrName.find(q.hostname));
        if (hit) return hit;
      }
      if (q.lotusWorker) {
        const hit = at(lotus.get(q.lotusWorker.toLowerCase())) ?? at(hostnameOnly.find(q.lotusWorker));
        if (hit) return hit;
      }
      if (q.ip) {
        const hit = at(ip.get(q.ip.toLowerCase())) ?? at(target.get(q.ip.toLowerCase()));
        if (hit) return hit;
      }
      if (q.sshHost) {
        const hit = at(target.get(q.sshHost.toLowerCase())) ?? at(hostnameOnly.find(q.sshHost));
        if (hit) return hit;
      }
      return undefined;
    },
  };
}
