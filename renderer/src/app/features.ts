import { domainsFeature } from '../features/domains/domains-feature';
import { etcdFeature } from '../features/etcd/etcd-feature';
import { fleetFeature } from '../features/fleet/fleet-feature';
import { minersFeature } from '../features/miners/miners-feature';
import { netbootFeature } from '../features/netboot/netboot-feature';
import { settingsFeature } from '../features/settings/settings-feature';
import { terminalFeature } from '../features/terminal/terminal-feature';
import { tunnelsFeature } from '../features/tunnels/tunnels-feature';

/**
 * Every renderer feature, once, in menu order. Adding a feature: its folder
 * renderer/src/features/<id>/ with an <id>-feature.tsx (page, stores, strings), and one line here.
 */
export const FEATURES = [tunnelsFeature, terminalFeature, etcdFeature, minersFeature, netbootFeature, domainsFeature, fleetFeature, settingsFeature] as const;

export type PageId = (typeof FEATURES)[number]['id'];
