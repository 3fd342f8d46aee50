import type { ClientApi } from './define';
import { domainsContract } from './domains';
import { fleetContract } from './fleet';
import { netbootContract } from './netboot';
import { secretsContract } from './secrets';
import { settingsContract } from './settings';
import { sshContract } from './ssh';
import { systemContract } from './system';
import { terminalContract } from './terminal';
import { tunnelsContract } from './tunnels';
import { etcdContract } from './etcd';
import { minersContract } from './miners';

/**
 * The whole contract between UI and services. Add a feature's contract here; the router refuses
 * to start if any entry has no implementation.
 */
export const appContract = {
  system: systemContract,
  settings: settingsContract,
  secrets: secretsContract,
  ssh: sshContract,
  tunnels: tunnelsContract,
  terminal: terminalContract,
  etcd: etcdContract,
  domains: domainsContract,
  fleet: fleetContract,
  netboot: netbootContract,
  miners: minersContract,
} as const;

export type AppContractType = typeof appContract;
export type AppApi = ClientApi<AppContractType>;

export * from './define';
export * from './errors';
export * from './lifecycle';
export type { FrameEndpoint } from './endpoint';
