import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/** The Fleet page's own keys (not while typing, not while a dialog is open); listed in the shortcut help. */
export const FLEET_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['1'], ['2'], ['3'], ['4']], describe: (t: TFunction) => t('fleet.shortcuts.tabs') },
  { keys: [['N']], describe: (t: TFunction) => t('fleet.shortcuts.add') },
  { keys: [['I']], describe: (t: TFunction) => t('fleet.shortcuts.import') },
  { keys: [['P']], describe: (t: TFunction) => t('fleet.shortcuts.probe') },
  { keys: [['/']], describe: (t: TFunction) => t('fleet.shortcuts.search') },
  { keys: [['↑'], ['↓'], ['J'], ['K']], describe: (t: TFunction) => t('fleet.shortcuts.select') },
  { keys: [['Enter']], describe: (t: TFunction) => t('fleet.shortcuts.open') },
  { keys: [['T']], describe: (t: TFunction) => t('fleet.shortcuts.terminal') },
  { keys: [['E']], describe: (t: TFunction) => t('fleet.shortcuts.edit') },
  { keys: [['Del']], describe: (t: TFunction) => t('fleet.shortcuts.remove') },
];
