import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/** The Miners page's own keys (not while typing, not while a dialog is open); listed in the shortcut help. */
export const MINERS_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['1'], ['2'], ['3'], ['4'], ['5']], describe: (t: TFunction) => t('miners.shortcuts.tabs') },
  { keys: [['['], [']']], describe: (t: TFunction) => t('miners.shortcuts.miner') },
  { keys: [['N']], describe: (t: TFunction) => t('miners.shortcuts.add') },
  { keys: [['E']], describe: (t: TFunction) => t('miners.shortcuts.edit') },
  { keys: [['R']], describe: (t: TFunction) => t('miners.shortcuts.poll') },
  { keys: [['/']], describe: (t: TFunction) => t('miners.shortcuts.search') },
];
