import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/** The Domains page's own keys (not while typing, not while a dialog is open); listed in the shortcut help. */
export const DOMAIN_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['N']], describe: (t: TFunction) => t('domains.shortcuts.addHost') },
  { keys: [['/']], describe: (t: TFunction) => t('domains.shortcuts.search') },
  { keys: [['↑'], ['↓'], ['J'], ['K']], describe: (t: TFunction) => t('domains.shortcuts.move') },
  { keys: [['X'], ['Space']], describe: (t: TFunction) => t('domains.shortcuts.select') },
  { keys: [['Enter']], describe: (t: TFunction) => t('domains.shortcuts.details') },
  { keys: [['S']], describe: (t: TFunction) => t('domains.shortcuts.startStop') },
  { keys: [['P']], describe: (t: TFunction) => t('domains.shortcuts.pause') },
  { keys: [['C']], describe: (t: TFunction) => t('domains.shortcuts.console') },
  { keys: [['Del']], describe: (t: TFunction) => t('domains.shortcuts.destroy') },
  { keys: [['R']], describe: (t: TFunction) => t('domains.shortcuts.refresh') },
];
