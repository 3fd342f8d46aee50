import { CloudServerOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { netbootEn } from './i18n.en';
import { netbootZhCN } from './i18n.zh-cn';
import { NetbootPage } from './netboot-page';

/** Netboot (placeholder until the feature is built). */
export const netbootFeature = defineFeature({
  id: 'netboot',
  page: { icon: <CloudServerOutlined />, component: NetbootPage, digit: 5 },
  strings: { en: netbootEn, 'zh-CN': netbootZhCN },
});
