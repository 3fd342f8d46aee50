import { AppstoreOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { FleetPage } from './fleet-page';
import { fleetEn } from './i18n.en';
import { fleetZhCN } from './i18n.zh-cn';

/** Fleet (placeholder until the feature is built). */
export const fleetFeature = defineFeature({
  id: 'fleet',
  page: { icon: <AppstoreOutlined />, component: FleetPage, digit: 7 },
  strings: { en: fleetEn, 'zh-CN': fleetZhCN },
});
