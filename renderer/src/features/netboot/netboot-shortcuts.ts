import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/** The Netboot page's own keys (not while typing, not while a dialog is open); listed in the shortcut help. */
export const NETBOOT_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['S']], describe: (t: TFunction) => t('netboot.shortcuts.toggle') },
  { keys: [['T']], describe: (t: TFunction) => t('netboot.shortcuts.timeline') },
  { keys: [['U']], describe: (t: TFunction) => t('netboot.shortcuts.subnets') },
  { keys: [['C']], describe: (t: TFunction) => t('netboot.shortcuts.config') },
  { keys: [['D']], describe: (t: TFunction) => t('netboot.shortcuts.dnsmasq') },
  { keys: [['/']], describe: (t: TFunction) => t('netboot.shortcuts.search') },
  { keys: [['Ctrl', 'S']], describe: (t: TFunction) => t('netboot.shortcuts.save') },
];
