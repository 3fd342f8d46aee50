import path from 'node:path';
import { AppError } from '../contract/errors';
import { hopLabel } from '../contract/ssh';
import { forwardLabel, type TunnelProfile, type TunnelStatus } from '../contract/tunnels';
import { EXIT_OK, UsageError, stringOption, waitForStop, type CliCommand, type CliContext } from '../common/cli-command';
import type { TunnelManager } from './tunnel-manager';
import { importCommandLine } from './tunnel-service';

export const EXIT_PERMANENT_FAILURE = 1;

/** One log line per state change of the tunnel or one of its forwards (counters are not logged). */
export function describeStatusChange(name: string, prev: TunnelStatus | undefined, next: TunnelStatus, now = Date.now()): string[] {
  const lines: string[] = [];
  const stateChanged = !prev || prev.state !== next.state || prev.attempt !== next.attempt || prev.error?.message !== next.error?.message;
  if (stateChanged) {
    let line = `tunnel ${name}: ${next.state}`;
    // The pool counts retries from 1: backoff names the retry that comes next, connecting the one under way.
    if (next.state === 'backoff' && next.retryAtMs) line += ` (retry in ${((next.retryAtMs - now) / 1000).toFixed(1)} s, attempt ${(next.attempt ?? 0) + 1})`;
    if (next.state === 'connecting' && next.attempt) line += ` (attempt ${next.attempt})`;
    if (next.state === 'up') line += ` via ${next.route}`;
    if (next.error) line += `: ${next.error.message}`;
    lines.push(line);
    if (next.error?.hint && (next.state === 'failed' || prev?.error?.hint !== next.error.hint)) lines.push(`  hint: ${next.error.hint}`);
  }
  for (const f of next.forwards) {
    const before = prev?.forwards.find((p) => p.id === f.id);
    if (before && before.state === f.state && before.lastError?.message === f.lastError?.message) continue;
    if (!before && f.state === 'stopped') continue;
    let line = `  forward ${f.label}: ${f.state}`;
    if (f.boundPort !== undefined && f.kind !== 'remote' && f.label.endsWith(':0')) line += ` (port ${f.boundPort})`;
    if (f.exposesLan) line += ' [exposed on LAN]';
    if (f.lastError && f.state !== 'up') line += `: ${f.lastError.message}`;
    lines.push(line);
  }
  return lines;
}

const TUNNEL_HELP = `Usage: drover tunnel up <profile> [--config-dir DIR] [--accept-new]
       drover tunnel up --import "<autossh or ssh command line>" [--allow-lan] [--accept-new]
       drover tunnel list [--config-dir DIR]

Runs one SSH tunnel without the UI: a drop-in for an autossh container. Every state change is
logged to stderr. Exits 1 on a permanent failure (login rejected, host key changed or revoked,
port in use) and 0 when stopped by SIGTERM or Ctrl-C. Transient failures are retried with backoff.

Options:
  --import TEXT     run the tunnel an autossh/ssh command line describes (not saved)
  --allow-lan       let forwards listen on non-loopback addresses (e.g. -L 10.40.23.250:8086:...)
  --accept-new      accept and record unknown host keys (changed keys are always refused)
  --config-dir DIR  where profiles, known_hosts and secrets live
  -h, --help        show this help

Environment:
  DROVER_VAULT_PASSPHRASE  unlocks the secret vault (stored passwords, key passphrases)
  DROVER_LOG=debug         also log every SSH connection step`;

/** `drover tunnel up|list`, headless, on the same services as the app (tunnels feature only). */
export const tunnelCommand: CliCommand = {
  name: 'tunnel',
  summary: 'run an SSH tunnel headless (`tunnel up <profile>` or `tunnel up --import "autossh ..."`)',
  help: TUNNEL_HELP,
  positionals: true,
  options: {
    import: { type: 'string' },
    'allow-lan': { type: 'boolean' },
    'accept-new': { type: 'boolean' },
    'config-dir': { type: 'string' },
  },
  async run(values, positionals, io, ctx) {
    const [sub, name, ...extra] = positionals;
    const configDirValue = stringOption(values, 'config-dir');
    const configDir = configDirValue !== undefined ? path.resolve(configDirValue) : undefined;
    if (sub === 'list') {
      const services = await openTunnels(ctx, configDir);
      try {
        for (const p of services.manager.list()) io.stdout(`${p.name}\t${hopLabel(p.target)}\t${p.forwards.map(forwardLabel).join(', ')}`);
        return EXIT_OK;
      } finally {
        await services.dispose();
      }
    }
    if (sub !== 'up') throw new UsageError(sub ? `unknown tunnel command "${sub}"` : 'tunnel needs a command: up or list', TUNNEL_HELP);
    const importText = stringOption(values, 'import');
    if (extra.length || (importText === undefined) === (name === undefined)) {
      throw new UsageError('give either a profile name or --import "<command line>"', TUNNEL_HELP);
    }
    const stop = waitForStop(io);
    const log = (line: string) => io.stderr(`${new Date().toISOString()} ${line}`);
    try {
      const services = await openTunnels(ctx, configDir);
      try {
        return await runTunnelUp(services.manager, {
          ...(name !== undefined ? { profile: name } : {}),
          ...(importText !== undefined ? { importText } : {}),
          allowLan: values['allow-lan'] === true,
          acceptNewHostKeys: values['accept-new'] === true,
          configDir: services.configDir,
          log,
          stopped: stop.stopped,
        });
      } finally {
        await services.dispose();
      }
    } finally {
      stop.release();
    }
  },
};

async function openTunnels(ctx: CliContext, configDir: string | undefined) {
  const { tunnelsFeature } = await import('./tunnels-feature');
  const services = await ctx.createServices({ features: [tunnelsFeature], ...(configDir ? { configDir } : {}) });
  return { manager: services.feature(tunnelsFeature), configDir: services.configDir, dispose: () => services.disposeAsync() };
}

export interface TunnelUpOptions {
  /** A saved profile, by id or name. */
  profile?: string;
  /** Or an autossh / ssh command line to run as it is (not saved). */
  importText?: string;
  allowLan: boolean;
  /** Accept and record unknown host keys (ssh's StrictHostKeyChecking=accept-new). */
  acceptNewHostKeys: boolean;
  /** For messages: where profiles live. */
  configDir: string;
  log(line: string): void;
  /** Resolves when the run should stop (a signal). */
  stopped: Promise<string>;
}

/**
 * `drover tunnel up`: runs one tunnel without the UI, a drop-in for an autossh container. Logs
 * every state change; exits non-zero on a permanent failure (rejected login, changed or revoked
 * host key, port in use); stops cleanly on SIGTERM.
 */
export async function runTunnelUp(manager: TunnelManager, opts: TunnelUpOptions): Promise<number> {
  let profile: TunnelProfile;
  let persist = true;
  if (opts.importText !== undefined) {
    const imported = importCommandLine(opts.importText, { allowLan: opts.allowLan });
    for (const w of imported.warnings) opts.log(`import: ${w.option}: ${w.message}`);
    profile = imported.profile;
    persist = false;
  } else {
    const found = manager.list().find((p) => p.id === opts.profile || p.name === opts.profile);
    if (!found) {
      const names = manager.list().map((p) => p.name).join(', ') || 'none';
      throw new AppError('NOT_FOUND', `no tunnel profile named "${opts.profile}" in ${opts.configDir}`, { hint: `Saved profiles: ${names}. Or run one from a command line with --import.` });
    }
    profile = found;
  }
  if (opts.acceptNewHostKeys) manager.acceptNewHostKeys();
  if (!persist) profile = await manager.save(profile, { persist: false });

  let last: TunnelStatus | undefined;
  let resolveFailed!: (s: TunnelStatus) => void;
  const failed = new Promise<TunnelStatus>((r) => (resolveFailed = r));
  const sub = manager.onDidChangeStatus((status) => {
    if (status.profileId !== profile.id) return;
    for (const line of describeStatusChange(profile.name, last, status)) opts.log(line);
    last = status;
    if (status.state === 'failed') resolveFailed(status);
  });
  try {
    await manager.start(profile.id);
    const outcome = await Promise.race([failed.then((s) => ({ failed: s })), opts.stopped.then((why) => ({ why }))]);
    if ('failed' in outcome) {
      opts.log(`tunnel ${profile.name}: stopped after a permanent failure (${outcome.failed.error?.code ?? 'failed'}); not retrying`);
      return EXIT_PERMANENT_FAILURE;
    }
    opts.log(`${outcome.why}: stopping tunnel ${profile.name}`);
    manager.stop(profile.id);
    return EXIT_OK;
  } finally {
    sub.dispose();
  }
}
