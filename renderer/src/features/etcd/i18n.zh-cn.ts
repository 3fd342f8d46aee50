import type { etcdEn } from './i18n.en';
import type { Translation } from '../../i18n/translation';

/** 简体中文: the same keys as etcdEn (checked by the compiler). */
export const etcdZhCN: Translation<typeof etcdEn> = {
  nav: {
    etcd: 'etcd',
  },
  placeholder: {
    etcd: '浏览、监视和编辑驱动网络启动与矿机配置的 etcd 键，修改采用比较并交换，删除需要确认。',
  },
};
