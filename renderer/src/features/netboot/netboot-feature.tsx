import { CloudServerOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { netbootEn } from './i18n.en';
import { netbootZhCN } from './i18n.zh-cn';
import { netbootStoreKey } from './netboot-hooks';
import { NetbootPage } from './netboot-page';
import { NETBOOT_SHORTCUTS } from './netboot-shortcuts';

/** Netboot: the local PXE responder (status, boot timeline, subnets, config editor, dnsmasq companion). */
export const netbootFeature = defineFeature({
  id: 'netboot',
  page: { icon: <CloudServerOutlined />, component: NetbootPage, digit: 5, shortcuts: NETBOOT_SHORTCUTS },
  stores: [netbootStoreKey],
  strings: { en: netbootEn, 'zh-CN': netbootZhCN },
});
