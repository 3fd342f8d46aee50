import { CodeOutlined } from '@ant-design/icons';
import { defineFeature } from '../../app/feature';
import { terminalEn } from './i18n.en';
import { terminalZhCN } from './i18n.zh-cn';
import { terminalStoreKey } from './terminal-hooks';
import { TerminalPage } from './terminal-page';
import { TERMINAL_SHORTCUTS } from './terminal-shortcuts';

/** Terminal: local and SSH tabs, broadcast, run on hosts. */
export const terminalFeature = defineFeature({
  id: 'terminal',
  page: { icon: <CodeOutlined />, component: TerminalPage, digit: 2, shortcuts: TERMINAL_SHORTCUTS },
  stores: [terminalStoreKey],
  strings: { en: terminalEn, 'zh-CN': terminalZhCN },
});
