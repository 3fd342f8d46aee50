import path from 'node:path';
import type { z } from 'zod';
import {
  NetbootConfigSchema,
  type AgentConfig,
  type NetbootConfig,
  type NetbootConfigProblem,
  type NetbootDhcp,
  type NetbootLimits,
} from '../contract/netboot';
import { cidrContains, parseCidr, parseIp, type Cidr } from './cidr';
import { compileKeyPattern, usesMac, type EtcdKeyPattern } from '../farm/key-pattern';
import { checkKernelArgs, compileIpxeTemplate, type IpxeTemplate } from './ipxe-template';
import { SubnetMatcher } from './subnet-matcher';

/**
 * Turns a parsed config file into what the responder runs on: networks parsed, templates and key
 * patterns compiled, defaults applied, a subnet matcher built. Every problem names where it is
 * ("subnets[3].cidr") and the entry's name, so an operator can find it in a file of 1,000 subnets.
 */

export interface ResolvedSubnet {
  readonly index: number;
  readonly name: string;
  readonly cidr: Cidr;
  readonly script: IpxeTemplate;
  readonly kernelArgs: string;
  readonly agentConfig: AgentConfig;
  /** agentConfig as served by get-config (serialized once). */
  readonly agentConfigJson: string;
  readonly datacenterUuid: string;
  readonly dcConfigKey: EtcdKeyPattern;
  readonly workerEnvKey: EtcdKeyPattern;
  readonly dhcp: NetbootDhcp | undefined;
}

export interface ResolvedNetbootConfig {
  /** The file's content with defaults filled in. */
  readonly source: NetbootConfig;
  readonly listen: { readonly host: string; readonly port: number };
  /** No trailing slash. */
  readonly serverUrl: string;
  /** serverUrl + "/boot". */
  readonly bootUrl: string;
  readonly trustedProxies: SubnetMatcher<true>;
  /** Absolute directory, no trailing separator. */
  readonly bootDir: string | undefined;
  /** No trailing slash. */
  readonly upstreamUrl: string | undefined;
  readonly retryDelaySec: number;
  readonly stuckAfterMs: number;
  readonly limits: NetbootLimits;
  readonly etcd: NetbootConfig['etcd'];
  readonly timeline: NetbootConfig['timeline'];
  readonly subnets: readonly ResolvedSubnet[];
  readonly matcher: SubnetMatcher<ResolvedSubnet>;
}

export type ValidationResult = { ok: true; config: ResolvedNetbootConfig } | { ok: false; problems: NetbootConfigProblem[] };

export interface ValidateOptions {
  /** Relative bootFiles.dir is resolved against this (the config file's folder). Default: the working directory. */
  baseDir?: string;
}

const MAX_PROBLEMS = 100;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** "subnets[3].cidr (subnet "rack-b"): message" */
export function formatConfigProblem(p: NetbootConfigProblem): string {
  const where = p.path === '' ? '' : p.subnet === undefined ? `${p.path}: ` : `${p.path} (subnet ${JSON.stringify(p.subnet)}): `;
  return `${where}${p.message}`;
}

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

export function validateNetbootConfig(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const parsed = NetbootConfigSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error, input) };
  return resolve(parsed.data, options);
}

function subnetNameAt(input: unknown, index: number): string | undefined {
  const subnets = (input as { subnets?: unknown } | null)?.subnets;
  if (!Array.isArray(subnets)) return undefined;
  const name = (subnets[index] as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length <= 64 ? name : undefined;
}

function zodProblems(error: z.ZodError, input: unknown): NetbootConfigProblem[] {
  const out: NetbootConfigProblem[] = [];
  for (const issue of error.issues.slice(0, MAX_PROBLEMS)) {
    const p: NetbootConfigProblem = { path: formatPath(issue.path), message: issue.message };
    if (issue.path[0] === 'subnets' && typeof issue.path[1] === 'number') {
      const name = subnetNameAt(input, issue.path[1]);
      if (name !== undefined) p.subnet = name;
    }
    out.push(p);
  }
  return out;
}

function checkHttpUrl(text: string, what: string): { url: string } | { error: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { error: `${JSON.stringify(text)} is not a URL (write it as http://HOST[:PORT][/PATH])` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: `${what} must be http:// or https://, not ${u.protocol}//` };
  if (u.username !== '' || u.password !== '') return { error: `${what} must not carry a user name or password` };
  if (u.search !== '' || u.hash !== '') return { error: `${what} must not have a query or fragment` };
  if (/[\s,"'\\{}$|;#]/.test(text)) return { error: `${what} must not contain spaces, quotes, commas, "$", "{", "}", "|", ";", "#" or backslashes` };
  return { url: `${u.origin}${u.pathname.replace(/\/+$/, '')}` };
}

function resolve(cfg: NetbootConfig, options: ValidateOptions): ValidationResult {
  const problems: NetbootConfigProblem[] = [];
  const add = (pathText: string, message: string, subnet?: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(subnet === undefined ? { path: pathText, message } : { path: pathText, subnet, message });
  };

  // listen, URLs, proxies, limits
  const hostText = cfg.listen.host;
  if (hostText !== 'localhost' && !parseIp(hostText.replace(/^\[(.*)\]$/, '$1'))) add('listen.host', `${JSON.stringify(hostText)} is not an IP address or "localhost"`);
  const server = checkHttpUrl(cfg.serverUrl, 'serverUrl');
  if ('error' in server) add('serverUrl', server.error);
  let upstreamUrl: string | undefined;
  if (cfg.bootFiles.upstreamUrl !== undefined) {
    const up = checkHttpUrl(cfg.bootFiles.upstreamUrl, 'bootFiles.upstreamUrl');
    if ('error' in up) add('bootFiles.upstreamUrl', up.error);
    else upstreamUrl = up.url;
  }
  const proxyEntries: { cidr: Cidr; value: true }[] = [];
  cfg.trustedProxies.forEach((text, i) => {
    const c = parseCidr(text, { allowBareAddress: true });
    if (!c.ok) add(`trustedProxies[${i}]`, c.error);
    else proxyEntries.push({ cidr: c.cidr, value: true });
  });
  if (cfg.limits.requestTimeoutMs < cfg.limits.headersTimeoutMs) {
    add('limits.requestTimeoutMs', `must be at least limits.headersTimeoutMs (${cfg.limits.headersTimeoutMs})`);
  }
  cfg.etcd?.endpoints.forEach((e, i) => {
    const r = checkHttpUrl(e, 'an etcd endpoint');
    if ('error' in r) add(`etcd.endpoints[${i}]`, r.error);
  });

  // defaults, compiled once and shared by the subnets that use them
  const d = cfg.defaults ?? {};
  const defaultScript = d.script === undefined ? undefined : compileScript(d.script, 'defaults.script', undefined, add);
  const defaultDc = d.etcdKeys === undefined ? undefined : compileDcKey(d.etcdKeys.dcConfig, 'defaults.etcdKeys.dcConfig', undefined, add);
  const defaultWorker = d.etcdKeys === undefined ? undefined : compileWorkerKey(d.etcdKeys.workerEnv, 'defaults.etcdKeys.workerEnv', undefined, add);
  if (d.kernelArgs !== undefined) {
    const e = checkKernelArgs(d.kernelArgs);
    if (e) add('defaults.kernelArgs', e);
  }
  if (d.datacenterUuid !== undefined && !UUID.test(d.datacenterUuid)) add('defaults.datacenterUuid', `${JSON.stringify(d.datacenterUuid)} is not a UUID (8-4-4-4-12 hex digits)`);
  const defaultJson = d.agentConfig === undefined ? undefined : JSON.stringify(d.agentConfig);

  const subnets: ResolvedSubnet[] = [];
  const byName = new Map<string, number>();
  const byCidr = new Map<string, number>();
  cfg.subnets.forEach((s, i) => {
    const at = (field: string) => `subnets[${i}].${field}`;
    const name = s.name;
    const before = problems.length;
    const prevName = byName.get(name);
    if (prevName !== undefined) add(at('name'), `the name is also used by subnets[${prevName}]`, name);
    else byName.set(name, i);

    const c = parseCidr(s.cidr);
    let cidr: Cidr | undefined;
    if (!c.ok) add(at('cidr'), c.error, name);
    else {
      cidr = c.cidr;
      const prev = byCidr.get(cidr.text);
      if (prev !== undefined) add(at('cidr'), `${cidr.text} is also subnets[${prev}] (${JSON.stringify(cfg.subnets[prev]!.name)}); each network needs one entry`, name);
      else byCidr.set(cidr.text, i);
    }

    const script = s.script !== undefined ? compileScript(s.script, at('script'), name, add) : defaultScript;
    if (s.script === undefined && d.script === undefined) add(at('script'), 'missing: set it in this entry or in defaults.script', name);

    const kernelArgs = s.kernelArgs ?? d.kernelArgs ?? '';
    if (s.kernelArgs !== undefined) {
      const e = checkKernelArgs(s.kernelArgs);
      if (e) add(at('kernelArgs'), e, name);
    }

    const agentConfig = s.agentConfig ?? d.agentConfig;
    if (!agentConfig) add(at('agentConfig'), 'missing: set it in this entry or in defaults.agentConfig', name);

    const uuid = s.datacenterUuid ?? d.datacenterUuid;
    if (uuid === undefined) add(at('datacenterUuid'), 'missing: set it in this entry or in defaults.datacenterUuid', name);
    else if (s.datacenterUuid !== undefined && !UUID.test(s.datacenterUuid)) add(at('datacenterUuid'), `${JSON.stringify(s.datacenterUuid)} is not a UUID (8-4-4-4-12 hex digits)`, name);

    let dcKey = defaultDc;
    let workerKey = defaultWorker;
    if (s.etcdKeys !== undefined) {
      dcKey = compileDcKey(s.etcdKeys.dcConfig, at('etcdKeys.dcConfig'), name, add);
      workerKey = compileWorkerKey(s.etcdKeys.workerEnv, at('etcdKeys.workerEnv'), name, add);
    } else if (d.etcdKeys === undefined) add(at('etcdKeys'), 'missing: set it in this entry or in defaults.etcdKeys', name);

    if (s.dhcp !== undefined && cidr) checkDhcp(s.dhcp, cidr, at, name, add);

    if (problems.length === before && cidr && script && agentConfig && uuid && dcKey && workerKey) {
      subnets.push({
        index: i,
        name,
        cidr,
        script,
        kernelArgs,
        agentConfig,
        agentConfigJson: s.agentConfig === undefined && defaultJson !== undefined ? defaultJson : JSON.stringify(agentConfig),
        datacenterUuid: uuid.toLowerCase(),
        dcConfigKey: dcKey,
        workerEnvKey: workerKey,
        dhcp: s.dhcp,
      });
    }
  });

  if (problems.length > 0 || 'error' in server) return { ok: false, problems };
  const matcher = new SubnetMatcher(subnets.map((s) => ({ cidr: s.cidr, value: s })));
  return {
    ok: true,
    config: {
      source: cfg,
      listen: { host: cfg.listen.host.replace(/^\[(.*)\]$/, '$1'), port: cfg.listen.port },
      serverUrl: server.url,
      bootUrl: `${server.url}/boot`,
      trustedProxies: new SubnetMatcher(proxyEntries),
      bootDir: cfg.bootFiles.dir === undefined ? undefined : path.resolve(options.baseDir ?? process.cwd(), cfg.bootFiles.dir),
      upstreamUrl,
      retryDelaySec: cfg.retryDelaySec,
      stuckAfterMs: cfg.stuckAfterSec * 1000,
      limits: cfg.limits,
      etcd: cfg.etcd,
      timeline: cfg.timeline,
      subnets,
      matcher,
    },
  };
}

type AddProblem = (pathText: string, message: string, subnet?: string) => void;

function compileScript(script: string | string[], at: string, subnet: string | undefined, add: AddProblem): IpxeTemplate | undefined {
  const text = Array.isArray(script) ? `${script.join('\n')}\n` : script;
  const r = compileIpxeTemplate(text);
  if (r.ok) return r.template;
  for (const p of r.problems) add(at, `${Array.isArray(script) ? `line ${p.line}` : `line ${p.line}, column ${p.column}`}: ${p.message}`, subnet);
  return undefined;
}

function compileDcKey(text: string, at: string, subnet: string | undefined, add: AddProblem): EtcdKeyPattern | undefined {
  const r = compileKeyPattern(text);
  if (!r.ok) {
    add(at, r.error, subnet);
    return undefined;
  }
  if (usesMac(r.pattern)) {
    add(at, 'the datacenter config is shared by every worker of the subnet: it cannot use a MAC variable', subnet);
    return undefined;
  }
  return r.pattern;
}

function compileWorkerKey(text: string, at: string, subnet: string | undefined, add: AddProblem): EtcdKeyPattern | undefined {
  const r = compileKeyPattern(text);
  if (!r.ok) {
    add(at, r.error, subnet);
    return undefined;
  }
  if (!usesMac(r.pattern)) {
    add(at, 'must contain {mac} (or {macHyphen}, {macBare}, {macUpper}); otherwise every worker would get the same env', subnet);
    return undefined;
  }
  return r.pattern;
}

function checkDhcp(dhcp: NetbootDhcp, cidr: Cidr, at: (f: string) => string, subnet: string, add: AddProblem): void {
  for (const field of ['rangeStart', 'rangeEnd', 'router'] as const) {
    const text = dhcp[field];
    if (text === undefined) continue;
    const ip = parseIp(text);
    if (!ip || ip.family !== cidr.family) add(at(`dhcp.${field}`), `${JSON.stringify(text)} is not an IPv${cidr.family} address`, subnet);
    else if (!cidrContains(cidr, ip)) add(at(`dhcp.${field}`), `${ip.text} is outside ${cidr.text}`, subnet);
  }
  if ((dhcp.rangeStart === undefined) !== (dhcp.rangeEnd === undefined)) add(at('dhcp'), 'set both rangeStart and rangeEnd, or neither', subnet);
}
