import type { minersEn } from './i18n.en';
import type { Translation } from '../../i18n/translation';

/** 简体中文: the same keys as minersEn (checked by the compiler). */
export const minersZhCN: Translation<typeof minersEn> = {
  nav: {
    miners: '矿工',
  },
  placeholder: {
    miners: '实时跟踪 lotus-miner 的封装任务、worker、扇区和截止期，并可在确认后中止卡住的任务。',
  },
};
