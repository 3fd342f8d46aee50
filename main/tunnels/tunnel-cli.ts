import path from 'node:path';
import type { TunnelStatus } from '../contract/tunnels';
import { AppError } from '../contract/errors';
import { DisposableStore } from '../contract/lifecycle';
import { createSecretStore } from '../settings/create-secret-store';
import { SshConnectionPool } from '../ssh/connection-pool';
import { KnownHostsVerifier } from '../ssh/host-key-verifier';
import type { CredentialSource } from '../ssh/ssh-connection';
import { TunnelManager } from './tunnel-manager';
import { TunnelProfileStore } from './tunnel-profile-store';
import { importCommandLine } from './tunnel-service';

export interface TunnelUpOptions {
  /** A saved profile, by id or name. */
  profile?: string;
  /** Or an autossh / ssh command line to run as it is (not saved). */
  importText?: string;
  allowLan: boolean;
  /** Accept and record unknown host keys (ssh's StrictHostKeyChecking=accept-new). */
  acceptNewHostKeys: boolean;
  configDir: string;
  env: NodeJS.ProcessEnv;
  log(line: string): void;
  /** Resolves when the run should stop (a signal). */
  stopped: Promise<string>;
}

export const EXIT_PERMANENT_FAILURE = 1;

/** One log line per state change of the tunnel or one of its forwards (counters are not logged). */
export function describeStatusChange(name: string, prev: TunnelStatus | undefined, next: TunnelStatus, now = Date.now()): string[] {
  const lines: string[] = [];
  const stateChanged = !prev || prev.state !== next.state || prev.attempt !== next.attempt || prev.error?.message !== next.error?.message;
  if (stateChanged) {
    let line = `tunnel ${name}: ${next.state}`;
    if (next.state === 'backoff' && next.retryAtMs) line += ` (retry in ${((next.retryAtMs - now) / 1000).toFixed(1)} s, attempt ${(next.attempt ?? 0) + 1})`;
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

/**
 * `drover tunnel up`: runs one tunnel without the UI, a drop-in for an autossh container. Logs
 * every state change; exits non-zero on a permanent failure (rejected login, changed or revoked
 * host key, port in use); stops cleanly on SIGTERM.
 */
export async function runTunnelUp(opts: TunnelUpOptions): Promise<number> {
  const store = new DisposableStore();
  try {
    const secrets = await createSecretStore({ configDir: opts.configDir, env: opts.env });
    store.add(secrets.store);
    const passphrase = opts.env.DROVER_VAULT_PASSPHRASE;
    if (passphrase && (await secrets.store.status()).locked) {
      await secrets.store.unlock(passphrase).catch((err: unknown) => opts.log(`secret vault: ${AppError.from(err).message}`));
    }
    const credentials: CredentialSource = {
      password: (id) => secrets.store.get(id).catch(() => undefined),
      keyPassphrase: (keyPath) => secrets.store.get(`ssh-key-passphrase:${keyPath}`).catch(() => undefined),
    };
    const hostKeys = new KnownHostsVerifier({ droverKnownHostsFile: path.join(opts.configDir, 'known_hosts'), log: opts.log });
    const debug = opts.env.DROVER_LOG === 'debug';
    const pool = store.add(new SshConnectionPool({ hostKeys, credentials, env: opts.env, ...(debug ? { log: opts.log } : {}) }));
    const manager = store.add(new TunnelManager({ pool, statusIntervalMs: 1000, ...(debug ? { log: opts.log } : {}) }));

    let profile;
    if (opts.importText !== undefined) {
      const imported = importCommandLine(opts.importText, { allowLan: opts.allowLan });
      for (const w of imported.warnings) opts.log(`import: ${w.option}: ${w.message}`);
      profile = imported.profile;
    } else {
      const saved = await new TunnelProfileStore(opts.configDir).load();
      for (const n of saved.notices) opts.log(n.message);
      profile = saved.profiles.find((p) => p.id === opts.profile || p.name === opts.profile);
      if (!profile) {
        const names = saved.profiles.map((p) => p.name).join(', ') || 'none';
        throw new AppError('NOT_FOUND', `no tunnel profile named "${opts.profile}" in ${opts.configDir}`, { hint: `Saved profiles: ${names}. Or run one from a command line with --import.` });
      }
    }
    if (opts.acceptNewHostKeys) profile = { ...profile, unknownHostKey: 'accept-new' as const };
    profile = await manager.save(profile);

    let last: TunnelStatus | undefined;
    let resolveFailed!: (s: TunnelStatus) => void;
    const failed = new Promise<TunnelStatus>((r) => (resolveFailed = r));
    store.add(
      manager.onDidEvent((e) => {
        if (e.kind !== 'status') return;
        for (const line of describeStatusChange(profile.name, last, e.status)) opts.log(line);
        last = e.status;
        if (e.status.state === 'failed') resolveFailed(e.status);
      }),
    );
    await manager.start(profile.id);
    const outcome = await Promise.race([failed.then((s) => ({ failed: s })), opts.stopped.then((why) => ({ why }))]);
    if ('failed' in outcome) {
      opts.log(`tunnel ${profile.name}: stopped after a permanent failure (${outcome.failed.error?.code ?? 'failed'}); not retrying`);
      return EXIT_PERMANENT_FAILURE;
    }
    opts.log(`${outcome.why}: stopping tunnel ${profile.name}`);
    manager.stop(profile.id);
    return 0;
  } finally {
    store.dispose();
  }
}
