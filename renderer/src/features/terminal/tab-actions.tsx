import { App, Input, Modal, Typography } from 'antd';
import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTerminal, useTerminalStore } from './terminal-hooks';
import { selectRenaming, selectTabs, type TerminalTab } from './terminal-store';
import { useTabName } from './tab-label';
import { asXterm } from './xterm-screen';

/**
 * Closing a tab: asks first when a program runs in its foreground (the service looks: the pty's
 * foreground process group locally, the remote /proc over SSH) or when it cannot tell; a shell at
 * its prompt, or an ended session, closes at once.
 */
export function useCloseTab(): (key: string) => Promise<void> {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const store = useTerminal();
  const tabName = useTabName();
  return useCallback(
    async (key: string) => {
      const tab = store.getState().tabs.find((x) => x.key === key);
      if (!tab) return;
      const busy = await store.getState().busy(key);
      if (!busy || busy.busy === 'no') {
        store.getState().closeTab(key);
        return;
      }
      const name = tabName(tab);
      modal.confirm({
        title: t('terminal.closeBusy.title', { name }),
        content: (
          <span data-testid="terminal-close-busy" data-busy={busy.busy}>
            {busy.busy === 'unknown'
              ? t('terminal.closeBusy.unknown')
              : busy.process
                ? t('terminal.closeBusy.running', { process: busy.process })
                : t('terminal.closeBusy.runningNoName')}
          </span>
        ),
        okText: t('terminal.closeBusy.ok'),
        cancelText: t('terminal.closeBusy.keep'),
        okButtonProps: { danger: true, 'data-testid': 'terminal-close-confirm' } as never,
        cancelButtonProps: { 'data-testid': 'terminal-close-keep' } as never,
        autoFocusButton: 'cancel',
        onOk: () => store.getState().closeTab(key),
        onCancel: () => asXterm(store.getState().screen(key))?.focus(),
      });
    },
    [store, modal, t, tabName],
  );
}

/** The rename dialog of the tab the store names (Ctrl+Shift+E in a terminal, or the tab's menu). */
export function RenameTabDialog() {
  const key = useTerminalStore(selectRenaming);
  const tabs = useTerminalStore(selectTabs);
  const tab = tabs.find((x) => x.key === key);
  return tab ? <RenameForm key={tab.key} tab={tab} /> : null;
}

function RenameForm({ tab }: { tab: TerminalTab }) {
  const { t } = useTranslation();
  const store = useTerminal();
  const [value, setValue] = useState(tab.name ?? '');
  const input = useRef<{ focus: () => void; select?: () => void } | null>(null);
  const defaultName = tab.target.kind === 'local' ? t('terminal.local') : tab.label;
  const close = () => {
    store.getState().requestRename(null);
    asXterm(store.getState().screen(tab.key))?.focus();
  };
  const save = () => {
    store.getState().renameTab(tab.key, value);
    close();
  };
  return (
    <Modal
      open
      title={t('terminal.tab.renameTitle')}
      okText={t('terminal.tab.save')}
      cancelText={t('terminal.cancel')}
      onOk={save}
      onCancel={close}
      afterOpenChange={(open) => {
        if (open) {
          input.current?.focus();
          input.current?.select?.();
        }
      }}
      okButtonProps={{ 'data-testid': 'terminal-rename-save' } as never}
      destroyOnHidden
    >
      <div>
        <Input
          ref={(el) => {
            input.current = el as never;
          }}
          value={value}
          maxLength={128}
          placeholder={t('terminal.tab.renamePlaceholder', { label: defaultName })}
          onChange={(e) => setValue(e.target.value)}
          onPressEnter={save}
          data-testid="terminal-rename-input"
        />
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          {t('terminal.tab.renameHint')}
        </Typography.Paragraph>
      </div>
    </Modal>
  );
}
