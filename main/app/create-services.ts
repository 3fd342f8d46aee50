import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { appContract, type AppContractType } from '../contract/index';
import type { AppImpl } from '../contract/define';
import { DisposableStore, type Disposable } from '../contract/lifecycle';
import { createRouter } from '../contract/rpc-server';
import { SystemService } from '../system/system-service';
import { createSecretStore } from '../settings/create-secret-store';
import type { SecretStore } from '../settings/secret-store';
import { SecretsService } from '../settings/secrets-service';
import { SettingsService } from '../settings/settings-service';
import { JsonSettingsStore, type SettingsStore } from '../settings/settings-store';
import { SshConnectionPool } from '../ssh/connection-pool';
import { HostKeyPrompts, KnownHostsVerifier } from '../ssh/host-key-verifier';
import type { CredentialSource } from '../ssh/ssh-connection';
import { sshImpl } from '../ssh/ssh-service';
import { TunnelManager } from '../tunnels/tunnel-manager';
import { TunnelProfileStore } from '../tunnels/tunnel-profile-store';
import { tunnelsImpl } from '../tunnels/tunnel-service';
import { TerminalManager } from '../terminal/terminal-manager';
import { terminalImpl } from '../terminal/terminal-service';

export interface CreateServicesOptions {
  transport: 'electron' | 'web';
  /** Where settings and the secret vault live; defaults to $XDG_CONFIG_HOME/drover. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The secret store built by the host (electron passes a SafeStorageSecretStore); owned by the
   * services from then on. Without one: the passphrase vault. DROVER_SECRETS=memory|vault overrides.
   */
  secretStore?: SecretStore;
}

export interface Services extends Disposable {
  readonly routes: ReturnType<typeof createRouter>;
  readonly system: SystemService;
  readonly configDir: string;
  /** For services in main: settings (with change events) and secrets (values readable only here). */
  readonly settingsStore: SettingsStore;
  readonly secretStore: SecretStore;
  /** The one SSH connection pool every feature shares. */
  readonly sshPool: SshConnectionPool;
  readonly tunnels: TunnelManager;
  readonly terminals: TerminalManager;
}

/** Secret ids under which SSH credentials are stored. */
export const sshSecretIds = {
  keyPassphrase: (keyPath: string) => `ssh-key-passphrase:${keyPath}`,
};

/** SSH passwords and key passphrases come from the secret store, read here in main only. */
export function secretCredentials(secrets: SecretStore): CredentialSource {
  return {
    password: (secretId) => secrets.get(secretId),
    keyPassphrase: (keyPath) => secrets.get(sshSecretIds.keyPassphrase(keyPath)),
  };
}

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DROVER_CONFIG_DIR) return path.resolve(env.DROVER_CONFIG_DIR);
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'Drover');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Drover');
  const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(xdg, 'drover');
}

export function droverVersion(): string {
  const require = createRequire(import.meta.url);
  try {
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The one composition root: every service is built here with its dependencies passed in. */
export async function createServices(options: CreateServicesOptions): Promise<Services> {
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? defaultConfigDir(env);
  const store = new DisposableStore();

  const system = store.add(new SystemService({ version: droverVersion(), transport: options.transport, configDir }));

  const settingsStore = store.add(new JsonSettingsStore({ dir: configDir }));
  const settingsLoad = await settingsStore.load();
  for (const notice of settingsLoad.notices) system.notify(notice);
  const settings = store.add(new SettingsService(settingsStore));

  const chosenSecrets = await createSecretStore({ configDir, env, injected: options.secretStore });
  const secretStore = store.add(chosenSecrets.store);
  for (const notice of chosenSecrets.notices) system.notify(notice);
  const secrets = store.add(new SecretsService(secretStore));

  const log = (line: string) => {
    if (env.DROVER_LOG === 'debug') process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  const hostKeyPrompts = store.add(new HostKeyPrompts());
  const hostKeys = new KnownHostsVerifier({ droverKnownHostsFile: path.join(configDir, 'known_hosts'), approver: hostKeyPrompts, log });
  const sshPool = store.add(new SshConnectionPool({ hostKeys, credentials: secretCredentials(secretStore), env, log }));
  const tunnels = store.add(new TunnelManager({ pool: sshPool, store: new TunnelProfileStore(configDir), log }));
  for (const notice of await tunnels.init()) system.notify(notice);
  const terminals = store.add(new TerminalManager({ pool: sshPool, env }));

  const impl: AppImpl<AppContractType> = {
    system: system.impl,
    settings: settings.impl,
    secrets: secrets.impl,
    ssh: sshImpl(hostKeyPrompts),
    tunnels: tunnelsImpl(tunnels),
    terminal: terminalImpl(terminals),
  };
  const routes = createRouter(appContract, impl);

  return {
    routes,
    system,
    configDir,
    settingsStore,
    secretStore,
    sshPool,
    tunnels,
    terminals,
    dispose: () => store.dispose(),
  };
}
