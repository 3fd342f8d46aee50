import { DesktopOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { DomainsPage } from './domains-page';
import { domainsEn } from './i18n.en';
import { domainsZhCN } from './i18n.zh-cn';

/** Domains (placeholder until the feature is built). */
export const domainsFeature = defineFeature({
  id: 'domains',
  page: { icon: <DesktopOutlined />, component: DomainsPage, digit: 6 },
  strings: { en: domainsEn, 'zh-CN': domainsZhCN },
});
