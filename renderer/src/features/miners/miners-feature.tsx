import { ThunderboltOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { minersEn } from './i18n.en';
import { minersZhCN } from './i18n.zh-cn';
import { MinersPage } from './miners-page';

/** Miners (placeholder until the feature is built). */
export const minersFeature = defineFeature({
  id: 'miners',
  page: { icon: <ThunderboltOutlined />, component: MinersPage, digit: 4 },
  strings: { en: minersEn, 'zh-CN': minersZhCN },
});
