import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/** The etcd page's own keys (not while typing, not while a dialog is open; Ctrl+S also in the editor). */
export const ETCD_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['/']], describe: (t: TFunction) => t('etcd.shortcuts.search') },
  { keys: [['↑'], ['↓'], ['J'], ['K']], describe: (t: TFunction) => t('etcd.shortcuts.select') },
  { keys: [['→'], ['←']], describe: (t: TFunction) => t('etcd.shortcuts.expand') },
  { keys: [['Enter']], describe: (t: TFunction) => t('etcd.shortcuts.open') },
  { keys: [['Ctrl', 'S']], describe: (t: TFunction) => t('etcd.shortcuts.save') },
  { keys: [['N']], describe: (t: TFunction) => t('etcd.shortcuts.newKey') },
  { keys: [['H']], describe: (t: TFunction) => t('etcd.shortcuts.history') },
  { keys: [['R']], describe: (t: TFunction) => t('etcd.shortcuts.refresh') },
  { keys: [['Del']], describe: (t: TFunction) => t('etcd.shortcuts.delete') },
];
