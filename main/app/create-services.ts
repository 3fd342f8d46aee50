import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { systemClock, type Clock } from '../contract/clock';
import type { AppImpl, ContractImpl } from '../contract/define';
import { AppError } from '../contract/errors';
import { appContract, type AppContractType } from '../contract/index';
import { disposeAllAsync, type AsyncDisposable, type Disposable } from '../contract/lifecycle';
import { createRouter } from '../contract/rpc-server';
import type { Notice } from '../contract/system';
import { createSecretStore } from '../settings/create-secret-store';
import type { SecretStore } from '../settings/secret-store';
import { SecretsService } from '../settings/secrets-service';
import { SettingsService } from '../settings/settings-service';
import { JsonSettingsStore, type SettingsStore } from '../settings/settings-store';
import { SshConnectionPool } from '../ssh/connection-pool';
import { HostKeyPrompts, KnownHostsVerifier } from '../ssh/host-key-verifier';
import type { CredentialSource } from '../ssh/ssh-connection';
import { sshImpl } from '../ssh/ssh-service';
import { SystemService } from '../system/system-service';
import type { CoreServices, FeatureContext, FeatureId, MainFeature } from './feature';
import { FEATURES } from './features';

export interface CreateServicesOptions {
  /** electron / web: a UI is attached. cli: headless (no host-key prompts, no autostart, notices on stderr). */
  transport: 'electron' | 'web' | 'cli';
  /** Where settings and the secret vault live; defaults to $XDG_CONFIG_HOME/drover. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The secret store built by the host (electron passes a SafeStorageSecretStore); owned by the
   * services from then on. Without one: the passphrase vault. DROVER_SECRETS=memory|vault overrides.
   */
  secretStore?: SecretStore;
  /** Which features to build (default: all of main/app/features.ts); a CLI command builds only what it needs. */
  features?: readonly MainFeature[];
  clock?: Clock;
  /** Where notices go besides the UI (the CLI prints them on stderr). */
  onNotice?: (notice: Notice) => void;
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
  /** The service a feature built (e.g. services.feature(tunnelsFeature) is the TunnelManager). */
  feature<S>(feature: MainFeature<FeatureId, S>): S;
  /** Like dispose(), and resolves when every feature has released what it holds. */
  disposeAsync(): Promise<void>;
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

/**
 * The one composition root: the core services (system, settings, secrets, the SSH pool) and then
 * every feature in order, each given the core and the features before it. The desktop app, the
 * web host and every CLI command get their services here.
 */
export async function createServices(options: CreateServicesOptions): Promise<Services> {
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? defaultConfigDir(env);
  const clock = options.clock ?? systemClock;
  const owned: AsyncDisposable[] = [];
  const own = <T extends AsyncDisposable>(d: T): T => {
    owned.push(d);
    return d;
  };
  try {
    const transport = options.transport;
    const system = own(new SystemService({ version: droverVersion(), transport: transport === 'cli' ? 'web' : transport, configDir, clock }));
    const notify = (notice: Notice) => {
      system.notify(notice);
      options.onNotice?.(notice);
    };

    const settingsStore = own(new JsonSettingsStore({ dir: configDir, clock }));
    const settingsLoad = await settingsStore.load();
    for (const notice of settingsLoad.notices) notify(notice);
    const settings = own(new SettingsService(settingsStore));

    const chosenSecrets = await createSecretStore({ configDir, env, injected: options.secretStore, clock });
    const secretStore = own(chosenSecrets.store);
    for (const notice of chosenSecrets.notices) notify(notice);
    const passphrase = env.DROVER_VAULT_PASSPHRASE;
    if (passphrase && (await secretStore.status()).locked) {
      await secretStore.unlock(passphrase).catch((err: unknown) => notify(vaultNotice(AppError.from(err), clock)));
    }
    const secrets = own(new SecretsService(secretStore));

    const log = (line: string) => {
      if (env.DROVER_LOG === 'debug') process.stderr.write(`${new Date(clock.now()).toISOString()} ${line}\n`);
    };
    const hostKeyPrompts = own(new HostKeyPrompts(undefined, clock));
    const hostKeys = new KnownHostsVerifier({
      droverKnownHostsFile: path.join(configDir, 'known_hosts'),
      ...(transport === 'cli'
        ? { approveHint: 'run again with --accept-new to accept and record it (or add it to ~/.ssh/known_hosts)' }
        : { approver: hostKeyPrompts }),
      log,
    });
    const sshPool = own(new SshConnectionPool({ hostKeys, credentials: secretCredentials(secretStore), env, log, clock }));

    const core: CoreServices = { transport, configDir, env, clock, log, system, settingsStore, secretStore, sshPool, hostKeyPrompts, notify };
    const built = new Map<MainFeature, unknown>();
    const impls: Record<string, ContractImpl<AppContractType[FeatureId]>> = {};
    for (const feature of options.features ?? FEATURES) {
      const ctx: FeatureContext = {
        ...core,
        use: <S>(dep: MainFeature<FeatureId, S>): S => {
          if (!built.has(dep)) throw new Error(`feature ${feature.id} uses ${dep.id}, which is not built before it (see main/app/features.ts)`);
          return built.get(dep) as S;
        },
      };
      const instance = await feature.create(ctx);
      if (instance.disposable) own(instance.disposable);
      built.set(feature, instance.service);
      impls[feature.id] = instance.impl;
    }

    const coreImpl = { system: system.impl, settings: settings.impl, secrets: secrets.impl, ssh: sshImpl(hostKeyPrompts) };
    const served = Object.fromEntries(Object.keys(appContract).filter((ns) => ns in coreImpl || ns in impls).map((ns) => [ns, appContract[ns as keyof AppContractType]]));
    const routes = createRouter(served, { ...coreImpl, ...impls } as unknown as AppImpl<typeof served>);
    if (!options.features) {
      const missing = Object.keys(appContract).filter((ns) => !(ns in coreImpl) && !(ns in impls));
      if (missing.length) throw new Error(`no feature implements ${missing.join(', ')}: list it in main/app/features.ts`);
    }

    let disposing: Promise<void> | undefined;
    const disposeAsync = () => (disposing ??= disposeAllAsync(owned.splice(0)));
    return {
      routes,
      system,
      configDir,
      settingsStore,
      secretStore,
      sshPool,
      feature: <S>(f: MainFeature<FeatureId, S>): S => {
        if (!built.has(f)) throw new Error(`feature ${f.id} was not built by this createServices call`);
        return built.get(f) as S;
      },
      dispose: () => void disposeAsync().catch((err: unknown) => log(`dispose: ${AppError.from(err).message}`)),
      disposeAsync,
    };
  } catch (err) {
    await disposeAllAsync(owned.splice(0)).catch(() => undefined);
    throw err;
  }
}

function vaultNotice(err: AppError, clock: Clock): Notice {
  return { id: `vault-unlock-${clock.now()}`, level: 'warning', key: 'secrets.unlockFailed', values: { reason: err.message }, message: `DROVER_VAULT_PASSPHRASE did not unlock the secret vault: ${err.message}` };
}
