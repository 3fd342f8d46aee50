import type { FleetHost, FleetLookup } from '../../contract/fleet';
import { normalizeMac } from '../../farm/mac-address';

/**
 * One identity per machine. Two inventory entries are the same machine when they share a MAC, a
 * host name (as the machine calls itself; "rig-07" matches "rig-07.farm.lan"), a lotus worker, or
 * an SSH target (host, port and jump chain; the login user does not make another machine).
 * Pure functions: the inventory, the imports and other features' lookups all use these.
 */

/** Lower-case, no trailing dot. */
export function normalizeHostname(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
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

function isIpv4Like(s: string): boolean {
  return /^\d+(\.\d+){3}$/.test(s);
}

/** host:port after the jump chain (user names left out): the same machine however one logs in. */
export function sshIdentity(h: Pick<FleetHost, 'target' | 'jumps'>): string {
  const hop = (x: { host: string; port: number }) => `${x.host.toLowerCase()}:${x.port}`;
  return [...h.jumps.map(hop), hop(h.target)].join('>');
}

/** The facts that identify a machine, from a host or a draft. */
export interface IdentityFacts {
  mac?: string | undefined;
  hostname?: string | undefined;
  lotusWorker?: string | undefined;
  ssh?: string | undefined;
}

export function identityFacts(h: Partial<Pick<FleetHost, 'mac' | 'hostname' | 'lotusWorker' | 'target' | 'jumps'>>): IdentityFacts {
  return {
    mac: h.mac ? (normalizeMac(h.mac) ?? undefined) : undefined,
    hostname: h.hostname,
    lotusWorker: h.lotusWorker,
    ssh: h.target ? sshIdentity({ target: h.target, jumps: h.jumps ?? [] }) : undefined,
  };
}

/** Why two hosts are the same machine ("MAC 52:54:00:…"), or undefined when nothing ties them. */
export function sameMachine(a: IdentityFacts, b: IdentityFacts): string | undefined {
  if (a.mac && b.mac && a.mac === b.mac) return `MAC ${a.mac}`;
  if (a.hostname && b.hostname && sameHostname(a.hostname, b.hostname)) return `host name ${b.hostname}`;
  if (a.lotusWorker && b.lotusWorker && a.lotusWorker.toLowerCase() === b.lotusWorker.toLowerCase()) return `lotus worker ${b.lotusWorker}`;
  if (a.ssh && b.ssh && a.ssh === b.ssh) return `SSH target ${b.ssh}`;
  return undefined;
}

/** Conflicting facts: both hosts know a MAC (or hostname) and they differ — merging them would be wrong. */
export function conflictingFacts(a: IdentityFacts, b: IdentityFacts): string | undefined {
  if (a.mac && b.mac && a.mac !== b.mac) return `MAC ${a.mac} ≠ ${b.mac}`;
  if (a.hostname && b.hostname && !sameHostname(a.hostname, b.hostname)) return `host name ${a.hostname} ≠ ${b.hostname}`;
  return undefined;
}

/** The host that is the same machine as `facts` (first match in inventory order), with why. */
export function findSameMachine(hosts: readonly FleetHost[], facts: IdentityFacts, exceptId?: string): { host: FleetHost; why: string } | undefined {
  for (const h of hosts) {
    if (h.id === exceptId) continue;
    const why = sameMachine(identityFacts(h), facts);
    if (why) return { host: h, why };
  }
  return undefined;
}

/**
 * What another feature knows about a machine → its inventory host. A MAC in any spelling; a host
 * name as above; an IP against the host's own address and its SSH target; an SSH host name
 * against the target (and the host name); a lotus worker against lotusWorker and the host name.
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

/**
 * An inventory host with what an import learned added: facts the host lacks are filled in, the
 * ones it has are kept (a person's edit wins over an import); tags are joined.
 */
export function mergeInto(existing: FleetHost, incoming: FleetHost): FleetHost {
  const out: FleetHost = { ...existing };
  if (!out.mac && incoming.mac) out.mac = incoming.mac;
  if (!out.ip && incoming.ip) out.ip = incoming.ip;
  if (!out.hostname && incoming.hostname) out.hostname = incoming.hostname;
  if (!out.lotusWorker && incoming.lotusWorker) out.lotusWorker = incoming.lotusWorker;
  const tags = [...new Set([...existing.tags, ...incoming.tags])].slice(0, 64);
  if (tags.length !== existing.tags.length) out.tags = tags;
  return out;
}
