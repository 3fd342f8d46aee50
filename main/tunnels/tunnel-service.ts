import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { AppError } from '../contract/errors';
import type { ContractImpl } from '../contract/define';
import type { ForwardSpec as ContractForward, ImportResult, SshConfigHost, TunnelProfile, tunnelsContract } from '../contract/tunnels';
import { HopSchema } from '../contract/ssh';
import { ForwardSpecSchema, TunnelProfileSchema } from '../contract/tunnels';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createNodeSshConfigReader, listSshHostAliases, parseSshConfig, resolveSshHost } from '../ssh/ssh-config';
import { isLoopbackAddress } from '../contract/net-address';
import { parseForwardSpec, type ForwardKind, type ForwardSpec as ParsedForward } from './forward-spec';
import { importTunnelCommand, type DraftEndpoint, type TunnelDraft } from './import-command';
import type { TunnelManager } from './tunnel-manager';

const DEFAULT_KEEPALIVE = { intervalSec: 5, countMax: 2 };

export function slugId(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'tunnel'}-${randomBytes(3).toString('hex')}`;
}

/**
 * A parsed command line as a profile draft. Forwards that would listen on a LAN address come with
 * allowLan off and a warning: the person must choose to expose them before the profile saves.
 */
export function draftToProfile(draft: TunnelDraft, opts: { user?: string; allowLan?: boolean } = {}): ImportResult {
  const warnings = [...draft.warnings];
  const defaultUser = opts.user ?? os.userInfo().username;
  const hop = (e: DraftEndpoint, identityFiles?: string[]) => ({
    host: e.host,
    port: e.port,
    user: e.user ?? defaultUser,
    ...(identityFiles && identityFiles.length ? { identityFiles } : {}),
  });
  const forwards = convertForwards(draft.forwards, warnings, opts.allowLan === true);
  if (forwards.length === 0) throw new AppError('INVALID_INPUT', 'the command line has no -L, -R or -D forward that Drover can run', { hint: 'A tunnel needs at least one forward, e.g. -L 127.0.0.1:9092:kafka:9092.' });

  const o = draft.options;
  const keepaliveSet = o.ServerAliveInterval !== undefined || o.ServerAliveCountMax !== undefined;
  const strict = o.StrictHostKeyChecking?.toLowerCase();
  const unknownHostKey = strict === 'yes' ? 'refuse' : strict === 'accept-new' || strict === 'no' || strict === 'off' ? 'accept-new' : 'ask';
  if (strict === 'no' || strict === 'off') {
    warnings.push({ option: 'StrictHostKeyChecking=no', message: 'Drover never skips host key checks: unknown keys are accepted once and recorded; changed keys are always refused' });
  }
  const profile = TunnelProfileSchema.parse({
    id: slugId(draft.name),
    name: draft.name,
    target: hop(draft.target, draft.identityFiles),
    jumps: draft.jumps.map((j) => hop(j, draft.identityFiles)),
    forwards,
    keepalive: keepaliveSet ? draft.keepalive : DEFAULT_KEEPALIVE,
    exitOnForwardFailure: o.ExitOnForwardFailure ? o.ExitOnForwardFailure.toLowerCase() === 'yes' : true,
    unknownHostKey,
    ...(o.Ciphers ? { ciphers: o.Ciphers.split(',').filter(Boolean) } : {}),
  });
  return { profile, warnings };
}

/** Parsed forwards as contract forwards (ids f1, f2, …); LAN binds stay off unless allowLan. */
export function convertForwards(parsed: ParsedForward[], warnings: ImportResult['warnings'], allowLanAll: boolean): ContractForward[] {
  const forwards: ContractForward[] = [];
  parsed.forEach((f, i) => {
    const id = `f${i + 1}`;
    let bindAddress = f.bindAddress === 'localhost' ? '127.0.0.1' : f.bindAddress === '*' ? '0.0.0.0' : f.bindAddress;
    if (bindAddress.startsWith('[') && bindAddress.endsWith(']')) bindAddress = bindAddress.slice(1, -1);
    const exposes = f.kind !== 'remote' && !isLoopbackAddress(bindAddress);
    if (exposes && !allowLanAll) {
      warnings.push({
        option: `-${f.kind === 'local' ? 'L' : 'D'} ${f.bindAddress}:${f.bindPort}`,
        message: `listens on ${bindAddress}, which other machines can reach: confirm “expose on LAN” for this forward before saving`,
      });
    }
    const allowLan = exposes && allowLanAll;
    if (f.kind === 'dynamic') {
      forwards.push(ForwardSpecSchema.parse({ id, kind: 'dynamic', bindAddress, bindPort: f.bindPort, allowLan }));
    } else if (f.destHost !== undefined && f.destPort !== undefined) {
      forwards.push(ForwardSpecSchema.parse({ id, kind: f.kind, bindAddress, bindPort: f.bindPort, destHost: f.destHost, destPort: f.destPort, allowLan }));
    } else {
      warnings.push({ option: `-R ${f.bindPort}`, message: 'remote dynamic (SOCKS) forwards are not supported yet; this forward was left out' });
    }
  });
  return forwards;
}

/** Reads ~/.ssh/config (or the given file) and resolves every concrete Host alias like ssh -G. */
export async function importSshConfigHosts(opts: { file?: string; homeDir?: string; user?: string } = {}): Promise<{ path: string; hosts: SshConfigHost[]; warnings: ImportResult['warnings'] }> {
  const homeDir = opts.homeDir ?? os.homedir();
  const file = opts.file ?? path.join(homeDir, '.ssh', 'config');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: file, hosts: [], warnings: [{ option: file, message: 'no ssh config file there' }] };
    throw new AppError('PERMISSION_DENIED', `cannot read ${file}: ${(err as Error).message}`);
  }
  const config = parseSshConfig(text, { path: file, homeDir, reader: createNodeSshConfigReader() });
  const localUser = opts.user ?? os.userInfo().username;
  const hosts: SshConfigHost[] = [];
  for (const alias of listSshHostAliases(config)) {
    const r = resolveSshHost(config, alias, { homeDir, localUser });
    const warnings: ImportResult['warnings'] = r.warnings.map((w) => ({ option: `${path.basename(w.source)}:${w.line}`, message: w.message }));
    if (r.proxyCommand) warnings.push({ option: 'ProxyCommand', message: 'Drover does not run ProxyCommand; use ProxyJump' });
    if (r.options.ForwardAgent?.[0]?.toLowerCase() === 'yes') {
      warnings.push({ option: 'ForwardAgent', message: 'Drover does not forward the ssh agent to the server' });
    }
    const parsed: ParsedForward[] = [];
    const add = (kind: ForwardKind, specs: string[]) => {
      for (const spec of specs) {
        try {
          parsed.push(parseForwardSpec(kind, spec));
        } catch (err) {
          warnings.push({ option: spec, message: AppError.from(err).message });
        }
      }
    };
    add('local', r.localForwards);
    add('remote', r.remoteForwards);
    add('dynamic', r.dynamicForwards);
    try {
      hosts.push({
        alias,
        target: HopSchema.parse({ host: r.hostName, port: r.port, user: r.user, ...(r.identityFiles.length ? { identityFiles: r.identityFiles } : {}) }),
        // A jump host is itself looked up in the config, as ssh does (its HostName, User, Port, keys).
        jumps: r.jumps.map((j) => {
          const jr = resolveSshHost(config, j.host, { homeDir, localUser });
          return HopSchema.parse({ host: jr.hostName, port: j.port ?? jr.port, user: j.user ?? jr.user, ...(jr.identityFiles.length ? { identityFiles: jr.identityFiles } : {}) });
        }),
        ...(r.serverAliveInterval ? { keepalive: { intervalSec: r.serverAliveInterval, countMax: r.serverAliveCountMax ?? 3 } } : {}),
        forwards: convertForwards(parsed, warnings, false),
        warnings,
      });
    } catch (err) {
      warnings.push({ option: alias, message: `skipped: ${AppError.from(err).message}` });
    }
  }
  return { path: file, hosts, warnings: config.warnings.map((w) => ({ option: `${path.basename(w.source)}:${w.line}`, message: w.message })) };
}

export function importCommandLine(text: string, opts: { user?: string; allowLan?: boolean } = {}): ImportResult {
  try {
    return draftToProfile(importTunnelCommand(text), opts);
  } catch (err) {
    throw locateInputError(err, text);
  }
}

/**
 * An import error with where it is in the line (details.at, details.length), so the dialog can
 * highlight the offending part: the quoted value the message names, or the option it names.
 */
export function locateInputError(err: unknown, text: string): unknown {
  if (!(err instanceof AppError) || err.code !== 'INVALID_INPUT' || typeof err.details?.at === 'number') return err;
  const candidates: string[] = [];
  for (const m of err.message.matchAll(/"((?:[^"\\]|\\.)+)"/g)) {
    try {
      candidates.push(JSON.parse(`"${m[1]}"`) as string);
    } catch {}
  }
  for (const m of err.message.matchAll(/(?:^|\s)(-{1,2}[A-Za-z][\w-]*)/g)) candidates.push(m[1]!);
  for (const c of candidates) {
    const at = text.indexOf(c);
    if (c && at >= 0) return new AppError(err.code, err.message, { ...(err.hint ? { hint: err.hint } : {}), details: { ...err.details, at, length: c.length }, cause: err });
  }
  return err;
}

/** The tunnels contract over the manager. */
export function tunnelsImpl(manager: TunnelManager, importHosts: () => ReturnType<typeof importSshConfigHosts> = () => importSshConfigHosts()): ContractImpl<typeof tunnelsContract> {
  return {
    list: () => manager.list(),
    save: (profile) => manager.save(profile),
    remove: async ({ id }) => {
      await manager.remove(id);
      return null;
    },
    start: ({ id }) => manager.start(id),
    stop: ({ id }) => manager.stop(id),
    retryNow: ({ id }) => manager.retryNow(id),
    importCommand: ({ text }) => importCommandLine(text),
    importSshConfig: () => importHosts(),
    live: (_input, sink) => manager.live.subscribe(sink),
  };
}

export type { TunnelProfile };
