import type { TFunction } from 'i18next';
import type { PageShortcut } from '../../app/feature';

/**
 * Keys inside a terminal; listed in the shortcut help. Every other key goes to the program, global
 * shortcuts included (the terminal is marked data-shortcuts="off"), except Alt+1…9: page switching
 * always wins over the shell (the one rule, also in the README's Keyboard section).
 */
export const TERMINAL_SHORTCUTS: readonly PageShortcut[] = [
  { keys: [['Ctrl', 'Shift', 'C']], describe: (t: TFunction) => t('terminal.keys.copy') },
  { keys: [['Ctrl', 'Shift', 'V']], describe: (t: TFunction) => t('terminal.keys.paste') },
  { keys: [['Ctrl', 'Shift', 'F']], describe: (t: TFunction) => t('terminal.keys.find') },
  { keys: [['Ctrl', '='], ['Ctrl', '-'], ['Ctrl', '0']], describe: (t: TFunction) => t('terminal.keys.fontSize') },
  { keys: [['Ctrl', 'Shift', 'B']], describe: (t: TFunction) => t('terminal.keys.broadcast') },
  { keys: [['Ctrl', 'Shift', 'E']], describe: (t: TFunction) => t('terminal.keys.rename') },
  { keys: [['Ctrl', 'Shift', 'D']], describe: (t: TFunction) => t('terminal.keys.duplicate') },
  { keys: [['Ctrl', 'Shift', '←'], ['Ctrl', 'Shift', '→']], describe: (t: TFunction) => t('terminal.keys.otherPane') },
  { keys: [['Ctrl', 'Shift', 'M']], describe: (t: TFunction) => t('terminal.keys.moveTab') },
  { keys: [['Alt', '1…9']], describe: (t: TFunction) => t('terminal.keys.pages') },
];
