import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/**
 * Keys inside a terminal; listed in the shortcut help. Every other key goes to the program, global
 * shortcuts included (the terminal is marked data-shortcuts="off").
 */
export const TERMINAL_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['Ctrl', 'Shift', 'C']], describe: (t: TFunction) => t('terminal.keys.copy') },
  { keys: [['Ctrl', 'Shift', 'V']], describe: (t: TFunction) => t('terminal.keys.paste') },
  { keys: [['Ctrl', 'Shift', 'F']], describe: (t: TFunction) => t('terminal.keys.find') },
  { keys: [['Ctrl', '='], ['Ctrl', '-'], ['Ctrl', '0']], describe: (t: TFunction) => t('terminal.keys.fontSize') },
  { keys: [['Ctrl', 'Shift', 'B']], describe: (t: TFunction) => t('terminal.keys.broadcast') },
];
