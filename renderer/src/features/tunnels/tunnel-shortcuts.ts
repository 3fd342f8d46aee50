import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/** The Tunnels page's own keys (not while typing, not while a dialog is open); listed in the shortcut help. */
export const TUNNEL_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['N']], describe: (t: TFunction) => t('tunnels.shortcuts.new') },
  { keys: [['I']], describe: (t: TFunction) => t('tunnels.shortcuts.import') },
  { keys: [['↑'], ['↓'], ['J'], ['K']], describe: (t: TFunction) => t('tunnels.shortcuts.select') },
  { keys: [['Enter'], ['Space']], describe: (t: TFunction) => t('tunnels.shortcuts.toggle') },
  { keys: [['R']], describe: (t: TFunction) => t('tunnels.shortcuts.retry') },
  { keys: [['E']], describe: (t: TFunction) => t('tunnels.shortcuts.edit') },
  { keys: [['Del']], describe: (t: TFunction) => t('tunnels.shortcuts.delete') },
];
