import { ThunderboltOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { minersEn } from './i18n.en';
import { minersZhCN } from './i18n.zh-cn';
import { minersStoreKey } from './miners-hooks';
import { MinersPage } from './miners-page';
import { MINERS_SHORTCUTS } from './miners-shortcuts';

/** Miners: lotus-miner sessions (API or CLI over SSH) with live overview, workers, jobs, alerts, charts and admin actions. */
export const minersFeature = defineFeature({
  id: 'miners',
  page: { icon: <ThunderboltOutlined />, component: MinersPage, digit: 4, shortcuts: MINERS_SHORTCUTS },
  stores: [minersStoreKey],
  strings: { en: minersEn, 'zh-CN': minersZhCN },
});
