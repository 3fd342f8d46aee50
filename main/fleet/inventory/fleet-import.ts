import net from 'node:net';
import os from 'node:os';
import type { EtcdImportInput, FleetHost, FleetHostDraftValue, ImportCandidate, ImportPreview, TextImportInput } from '../../contract/fleet';
import { HostName } from '../../contract/ssh';
import type { Hop } from '../../contract/ssh';
import type { SshConfigHost } from '../../contract/tunnels';
import type { EnvRow } from '../../etcd/farm-keys';
import { parseWorkers } from '../../miners/cli/parse-workers';
import { findSameMachine, identityFacts } from './host-identity';

/**
 * The imports of the inventory, as previews (nothing is saved until the person picks hosts and
 * addHosts runs): ~/.ssh/config Host aliases, worker-env keys in etcd (by MAC), `lotus-miner
 * sealing workers` output (by host name), and plain host name lists. Each candidate says which
 * inventory host it is the same machine as. Pure: the callers read the files and etcd.
 */

export interface ImportLogin {
  user?: string | undefined;
  port?: number | undefined;
  identityFiles?: string[] | undefined;
  jumps?: Hop[] | undefined;
  group?: string | undefined;
}

const MAX_PROBLEMS = 1000;

function defaultUser(login: ImportLogin): string {
  return login.user ?? os.userInfo().username;
}

function target(host: string, login: ImportLogin): FleetHostDraftValue['target'] {
  return { host, port: login.port ?? 22, user: defaultUser(login), ...(login.identityFiles?.length ? { identityFiles: login.identityFiles } : {}) };
}

function candidate(source: ImportCandidate['source'], origin: string, host: FleetHostDraftValue | undefined, problems: string[], hosts: readonly FleetHost[]): ImportCandidate {
  const match = host ? findSameMachine(hosts, identityFacts({ mac: host.mac, hostname: host.hostname, lotusWorker: host.lotusWorker, target: host.target, jumps: host.jumps })) : undefined;
  return { source, origin: origin.slice(0, 512), ...(host ? { host } : {}), matchId: match?.host.id ?? null, problems: problems.slice(0, 64).map((p) => p.slice(0, 1024)) };
}

function validHostName(s: string): boolean {
  return HostName.safeParse(s).success;
}

/** Host aliases of an ssh config (resolved like ssh -G by main/tunnels/tunnel-service importSshConfigHosts). */
export function sshConfigPreview(read: { path: string; hosts: SshConfigHost[]; warnings: { option: string; message: string }[] }, login: ImportLogin, hosts: readonly FleetHost[]): ImportPreview {
  const candidates = read.hosts.map((h) => {
    const draft: FleetHostDraftValue = {
      name: h.alias,
      group: login.group ?? 'default',
      target: h.target,
      jumps: h.jumps,
      tags: [],
      ...(net.isIP(h.target.host) ? { ip: h.target.host } : {}),
    };
    return candidate('ssh-config', `Host ${h.alias}`, draft, h.warnings.map((w) => `${w.option}: ${w.message}`), hosts);
  });
  return { candidates, problems: read.warnings.slice(0, MAX_PROBLEMS).map((w) => `${w.option}: ${w.message}`.slice(0, 1024)), from: read.path };
}

/** "10.30.5.46", "10.30.5.46:2345", "[fe80::1]:22", "tcp://10.0.0.5:3456" → the address. */
function addressOf(value: string): string | undefined {
  let v = value.trim().replace(/^[a-z]+:\/\//i, '');
  v = v.split('/')[0] ?? '';
  if (net.isIP(v)) return v;
  const bracket = /^\[([0-9A-Fa-f:.]+)\](?::\d+)?$/.exec(v);
  if (bracket && net.isIP(bracket[1]!)) return bracket[1];
  const hostPort = /^([0-9.]+):\d+$/.exec(v);
  if (hostPort && net.isIPv4(hostPort[1]!)) return hostPort[1];
  return undefined;
}

/** Worker-env rows (main/etcd/farm-keys listEnvTable): one candidate per MAC, with the host name and address its env holds. */
export function etcdPreview(rows: readonly EnvRow[], skipped: number, input: EtcdImportInput & ImportLogin, from: string, hosts: readonly FleetHost[]): ImportPreview {
  const problems: string[] = [];
  if (skipped > 0) problems.push(`${skipped} key(s) under the pattern's prefix do not fit ${input.pattern ?? '/farm/workers/{mac}/env'} and were left out`);
  const hostnameKeys = input.hostnameKeys ?? ['HOSTNAME', 'WORKER_HOSTNAME', 'WORKER_NAME', 'NODE_NAME'];
  const ipKeys = input.ipKeys ?? ['IP', 'IPADDR', 'WORKER_IP', 'HOST_IP', 'ADDRESS'];
  const candidates: ImportCandidate[] = [];
  for (const row of rows) {
    const origin = Buffer.from(row.entry.key, 'base64').toString('utf8');
    const rowProblems = row.problems.map((p) => (p.line > 0 ? `line ${p.line}: ${p.message}` : p.message));
    if (row.normalized === null) {
      candidates.push(candidate('etcd', origin, undefined, rowProblems, hosts));
      continue;
    }
    const env = new Map(row.env.map((e) => [e.key, e.value]));
    const hostname = hostnameKeys.map((k) => env.get(k)?.trim()).find((v): v is string => !!v && validHostName(v));
    let ip: string | undefined;
    for (const k of ipKeys) {
      const v = env.get(k);
      if (v === undefined) continue;
      ip = addressOf(v);
      if (ip) break;
      rowProblems.push(`${k}=${v.slice(0, 80)} is not an IP address`);
    }
    const address = ip ?? hostname;
    if (!address) {
      rowProblems.push(`no address to reach it: its env has none of ${[...ipKeys, ...hostnameKeys].join(', ')}; add it by hand with MAC ${row.normalized}`);
      candidates.push(candidate('etcd', origin, undefined, rowProblems, hosts));
      continue;
    }
    const draft: FleetHostDraftValue = {
      name: hostname ?? row.normalized,
      group: input.group ?? 'rigs',
      target: target(address, input),
      jumps: input.jumps ?? [],
      tags: [],
      mac: row.normalized,
      ...(ip ? { ip } : {}),
      ...(hostname ? { hostname } : {}),
    };
    candidates.push(candidate('etcd', origin, draft, rowProblems, hosts));
  }
  return { candidates, problems, from };
}

/** Pasted `lotus-miner sealing workers` (by host name) or a host name list ("rig-01 rig-02", "root@10.0.0.5:2222", one per line or comma separated). */
export function textPreview(input: TextImportInput & ImportLogin, hosts: readonly FleetHost[]): ImportPreview {
  const problems: string[] = [];
  const candidates: ImportCandidate[] = [];
  const seen = new Set<string>();
  if (input.kind === 'lotus-workers') {
    const parsed = parseWorkers(input.text);
    for (const p of parsed.problems.slice(0, MAX_PROBLEMS)) problems.push(`${p.line !== undefined ? `line ${p.line}: ` : ''}${p.message}${p.raw ? `: ${p.raw.slice(0, 120)}` : ''}`);
    const workers = Object.values(parsed.workers);
    if (workers.length === 0) problems.unshift('no "Worker <id>, host <name>" line found: is this `lotus-miner sealing workers` output?');
    for (const w of workers) {
      const name = w.hostname.trim();
      if (seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      if (!validHostName(name)) {
        candidates.push(candidate('lotus-workers', `Worker ${w.id}`, undefined, [`${JSON.stringify(name)} is not a host name Drover can reach`], hosts));
        continue;
      }
      const draft: FleetHostDraftValue = { name, group: input.group ?? 'lotus-workers', target: target(name, input), jumps: input.jumps ?? [], tags: [], hostname: name, lotusWorker: name };
      candidates.push(candidate('lotus-workers', `Worker ${w.id}, host ${name}`, draft, w.enabled === false ? ['the worker is disabled in lotus'] : [], hosts));
    }
    return { candidates, problems, from: 'lotus-miner sealing workers' };
  }
  const tokens = input.text
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '' && !t.startsWith('#'));
  for (const token of tokens) {
    const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(token);
    const host = m?.[2]?.replace(/^\[|\]$/g, '');
    if (!m || !host || !validHostName(host) || (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65_535))) {
      problems.push(`${JSON.stringify(token.slice(0, 120))} is not a host name or user@host[:port]`);
      continue;
    }
    const key = `${host.toLowerCase()}:${m[3] ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const login: ImportLogin = { ...input, ...(m[1] ? { user: m[1] } : {}), ...(m[3] ? { port: Number(m[3]) } : {}) };
    const isIp = net.isIP(host) !== 0;
    const draft: FleetHostDraftValue = { name: host, group: input.group ?? 'default', target: target(host, login), jumps: input.jumps ?? [], tags: [], ...(isIp ? { ip: host } : { hostname: host }) };
    candidates.push(candidate('hostnames', token, draft, [], hosts));
    if (problems.length > MAX_PROBLEMS) break;
  }
  if (tokens.length === 0) problems.push('no host names in the text');
  return { candidates, problems: problems.slice(0, MAX_PROBLEMS), from: 'host name list' };
}
