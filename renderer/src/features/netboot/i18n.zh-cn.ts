import type { netbootEn } from './i18n.en';
import type { Translation } from '../../i18n/translation';

/** 简体中文: the same keys as netbootEn (checked by the compiler). */
export const netbootZhCN: Translation<typeof netbootEn> = {
  nav: {
    netboot: '网络启动',
  },
  placeholder: {
    netboot: '运行 PXE / iPXE 启动服务：按子网的启动配置、启动脚本以及最近启动过的机器。',
  },
};
