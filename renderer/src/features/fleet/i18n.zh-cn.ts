import type { fleetEn } from './i18n.en';
import type { Translation } from '../../i18n/translation';

/** 简体中文: the same keys as fleetEn (checked by the compiler). */
export const fleetZhCN: Translation<typeof fleetEn> = {
  nav: {
    fleet: '机群',
  },
  placeholder: {
    fleet: '一览所有 GPU 矿机和主机——连通性、温度、算力和故障——并筛选出需要处理的机器。',
  },
};
