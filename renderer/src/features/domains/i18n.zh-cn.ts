import type { domainsEn } from './i18n.en';
import type { Translation } from '../../i18n/translation';

/** 简体中文: the same keys as domainsEn (checked by the compiler). */
export const domainsZhCN: Translation<typeof domainsEn> = {
  nav: {
    domains: '虚拟机',
  },
  placeholder: {
    domains: '列出每台主机上的 KVM 虚拟机（libvirt 域）及其状态，并可在确认后启动、关机或强制销毁。',
  },
};
