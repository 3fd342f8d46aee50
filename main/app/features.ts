import { etcdFeature } from '../etcd/etcd-feature';
import { domainsFeature } from '../domains/domains-feature';
import { fleetFeature } from '../fleet/fleet-feature';
import { minersFeature } from '../miners/miners-feature';
import { netbootFeature } from '../netboot/netboot-feature';
import { terminalFeature } from '../terminal/terminal-feature';
import { tunnelsFeature } from '../tunnels/tunnels-feature';
import type { MainFeature } from './feature';

/**
 * Every feature of main/, once, in dependency order (a feature may use() those before it).
 * Adding a feature: its contract in main/contract/<feature>.ts (listed in contract/index.ts), its
 * folder main/<feature>/ with a <feature>-feature.ts, and one line here.
 */
export const FEATURES: readonly MainFeature[] = [tunnelsFeature, terminalFeature, etcdFeature, domainsFeature, fleetFeature, netbootFeature, minersFeature];
