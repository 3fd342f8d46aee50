import type { Clock } from '../contract/clock';
import type { ContractImpl } from '../contract/define';
import type { AppContractType } from '../contract/index';
import type { AsyncDisposable } from '../contract/lifecycle';
import type { Notice } from '../contract/system';
import type { CliCommand } from '../common/cli-command';
import type { SecretStore } from '../settings/secret-store';
import type { SettingsStore } from '../settings/settings-store';
import type { SshConnectionPool } from '../ssh/connection-pool';
import type { HostKeyPrompts } from '../ssh/host-key-verifier';
import type { SystemService } from '../system/system-service';

/** A feature's namespace in the contract (main/contract/index.ts). */
export type FeatureId = Exclude<keyof AppContractType, CoreId>;
/** Namespaces the composition root implements itself. */
export type CoreId = 'system' | 'settings' | 'secrets' | 'ssh';

/** What every feature may use: built once by createServices before any feature. */
export interface CoreServices {
  /** electron / web: a UI is attached; cli: headless, nobody answers prompts, nothing autostarts. */
  readonly transport: 'electron' | 'web' | 'cli';
  readonly configDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  /** Debug log (stderr with DROVER_LOG=debug). */
  readonly log: (line: string) => void;
  readonly system: SystemService;
  readonly settingsStore: SettingsStore;
  readonly secretStore: SecretStore;
  /** The one SSH connection pool every feature shares. */
  readonly sshPool: SshConnectionPool;
  readonly hostKeyPrompts: HostKeyPrompts;
  /** Raises a notice: a toast in the UI, a line on stderr in the CLI. */
  notify(notice: Notice): void;
}

export interface FeatureContext extends CoreServices {
  /** The service of a feature listed before this one (its dependency). */
  use<S>(feature: MainFeature<FeatureId, S>): S;
}

export interface FeatureInstance<Id extends FeatureId, S> {
  /** What other features and the CLI use (e.g. the TunnelManager). */
  readonly service: S;
  /** The contract namespace's implementation. */
  readonly impl: ContractImpl<AppContractType[Id]>;
  /** Releases everything the feature holds; awaited on shutdown. */
  readonly disposable?: AsyncDisposable;
}

/**
 * One feature of main/: its contract namespace, how its service is built from the core and
 * earlier features, and its CLI commands. main/app/features.ts lists every feature once.
 */
export interface MainFeature<Id extends FeatureId = FeatureId, S = unknown> {
  readonly id: Id;
  create(ctx: FeatureContext): Promise<FeatureInstance<Id, S>>;
  readonly commands?: readonly CliCommand[];
}

export function defineMainFeature<Id extends FeatureId, S>(feature: MainFeature<Id, S>): MainFeature<Id, S> {
  return feature;
}
