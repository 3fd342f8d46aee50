import type { FleetHost } from '../../contract/fleet';
import { sameHostname } from '../../contract/fleet-identity';
import { normalizeMac } from '../../farm/mac-address';

/** Host-name matching and lookup are shared with the renderer (main/contract/fleet-identity.ts). */
export { lookupHost, normalizeHostname, sameHostname } from '../../contract/fleet-identity';

/**
 * One identity per machine. Two inventory entries are the same machine when they share a MAC, a
 * host name (as the machine calls itself; "rig-07" matches "rig-07.farm.lan"), a lotus worker, or
 * an SSH target (host, port and jump chain; the login user does not make another machine).
 * Pure functions: the inventory, the imports and other features' lookups all use these.
 */

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
