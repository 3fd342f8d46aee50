import { AppstoreOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { fleetStoreKey, syslogStoreKey } from './fleet-hooks';
import { FleetPage } from './fleet-page';
import { FLEET_SHORTCUTS } from './fleet-shortcuts';
import { fleetEn } from './i18n.en';
import { fleetZhCN } from './i18n.zh-cn';

/** Fleet: host inventory, probes, heartbeats, alerts, charts and the live syslog view. */
export const fleetFeature = defineFeature({
  id: 'fleet',
  page: { icon: <AppstoreOutlined />, component: FleetPage, digit: 7, shortcuts: FLEET_SHORTCUTS },
  stores: [fleetStoreKey, syslogStoreKey],
  strings: { en: fleetEn, 'zh-CN': fleetZhCN },
});
