import { DesktopOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { DOMAIN_SHORTCUTS } from './domain-shortcuts';
import { domainsStoreKey } from './domains-hooks';
import { DomainsPage } from './domains-page';
import { domainsEn } from './i18n.en';
import { domainsZhCN } from './i18n.zh-cn';

/** Domains: libvirt/KVM domains of every configured host, live, with actions and consoles. */
export const domainsFeature = defineFeature({
  id: 'domains',
  page: { icon: <DesktopOutlined />, component: DomainsPage, digit: 6, shortcuts: DOMAIN_SHORTCUTS },
  stores: [domainsStoreKey],
  strings: { en: domainsEn, 'zh-CN': domainsZhCN },
});
