import {
  CloseOutlined,
  CodeOutlined,
  CopyOutlined,
  DesktopOutlined,
  DownOutlined,
  DownloadOutlined,
  EditOutlined,
  LinkOutlined,
  NotificationOutlined,
  PlusOutlined,
  SearchOutlined,
  ClusterOutlined,
  SnippetsOutlined,
  SplitCellsOutlined,
} from '@ant-design/icons';
import { App, Button, Dropdown, Empty, Segmented, Space, Tabs, Tooltip, type MenuProps } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTerminal, useTerminalStore } from './terminal-hooks';
import { routeLabel } from '@contract/ssh';
import { keysOf } from './terminal-panes';
import { selectActiveKey, selectActiveTab, selectBroadcast, selectOthers, selectPanes, selectSaved, selectProfiles, selectRecent, selectTabs, selectView, type TerminalTab, type TerminalView } from './terminal-store';
import { RenameTabDialog, useCloseTab } from './tab-actions';
import { NewTerminalDialog, type NewTerminalKind } from './new-terminal-dialog';
import { RunOnHosts } from './run-on-hosts';
import { TabLabel } from './tab-label';
import { TerminalPane } from './terminal-pane';
import { TerminalSettingsButton } from './terminal-settings';
import './terminal.css';
import { installTerminalTestHook } from './test-hook';
import { downloadText, transcriptFileName } from './transcript';
import { asXterm } from './xterm-screen';

/**
 * Terminals: tabs of local and SSH shells (xterm.js), broadcast input to several of them, and
 * running one command on many hosts. Sessions live in the terminal store, so they keep running
 * (and their output keeps being parsed and acknowledged) while another page is shown.
 */
export function TerminalPage() {
  const { t } = useTranslation();
  const store = useTerminal();
  const view = useTerminalStore(selectView);
  const tabs = useTerminalStore(selectTabs);
  const [dialog, setDialog] = useState<NewTerminalKind | null>(null);

  // Test builds only (scripts/build.mjs --test-hooks): production bundles do not contain the hook.
  useEffect(() => {
    if (__DROVER_TEST_HOOKS__) installTerminalTestHook(store);
  }, [store]);

  return (
    <div className="drover-term-page" data-testid="terminal-page">
      <div className="drover-term-toolbar">
        <Segmented<TerminalView>
          value={view}
          onChange={(v) => store.getState().setView(v)}
          options={[
            { value: 'terminals', icon: <CodeOutlined />, label: <span data-testid="terminal-view-terminals">{`${t('terminal.views.terminals')}${tabs.length ? ` (${tabs.length})` : ''}`}</span> },
            { value: 'run', icon: <ClusterOutlined />, label: <span data-testid="terminal-view-run">{t('terminal.views.run')}</span> },
          ]}
        />
        <div style={{ flex: 1 }} />
        {view === 'terminals' && <TerminalTools onNew={setDialog} />}
      </div>
      {view === 'terminals' ? <TerminalWorkspace onNew={setDialog} /> : <RunOnHosts />}
      {dialog && <NewTerminalDialog initialKind={dialog} onClose={() => setDialog(null)} />}
      <RenameTabDialog />
    </div>
  );
}

/** "New terminal" (local shell in one click; SSH, saved targets and recent hosts in its menu). */
function NewTerminalButton({ onNew }: { onNew: (kind: NewTerminalKind) => void }) {
  const { t } = useTranslation();
  const store = useTerminal();
  const profiles = useTerminalStore(selectProfiles);
  const recent = useTerminalStore(selectRecent);
  const others = useTerminalStore(selectOthers);
  const saved = useTerminalStore(selectSaved);
  const fromConfig = saved.filter((h) => h.source === 'sshConfig');
  const fromFleet = saved.filter((h) => h.source === 'fleet');
  const savedGroup = (label: string, list: typeof saved) =>
    list.length
      ? [
          { type: 'divider' as const },
          {
            type: 'group' as const,
            label,
            children: list.slice(0, 50).map((h) => ({
              key: `saved:${h.key}`,
              label: (
                <span title={routeLabel(h.target, h.jumps)} data-testid="terminal-saved-host" data-key={h.key}>
                  {h.name}
                  {h.group ? <span className="drover-term-menu-note"> · {h.group}</span> : null}
                </span>
              ),
            })),
          },
        ]
      : [];
  const items: MenuProps['items'] = [
    { key: 'local', icon: <DesktopOutlined />, label: t('terminal.localShell') },
    { key: 'ssh', icon: <CodeOutlined />, label: t('terminal.sshEllipsis') },
    ...(profiles.length
      ? [
          { type: 'divider' as const },
          { type: 'group' as const, label: t('terminal.profilesGroup'), children: profiles.map((p) => ({ key: p.key, label: <span title={routeLabel(p.target, p.jumps)}>{p.name}</span> })) },
        ]
      : []),
    ...(recent.length
      ? [{ type: 'divider' as const }, { type: 'group' as const, label: t('terminal.recentGroup'), children: recent.map((p) => ({ key: p.key, label: <span className="drover-mono">{p.name}</span> })) }]
      : []),
    ...savedGroup(t('terminal.sshConfigGroup'), fromConfig),
    ...savedGroup(t('terminal.fleetGroup'), fromFleet),
    ...(others.length
      ? [
          { type: 'divider' as const },
          {
            type: 'group' as const,
            label: t('terminal.others.group'),
            children: others.map((o) => ({
              key: `session:${o.id}`,
              icon: <LinkOutlined aria-hidden />,
              label: (
                <span data-testid="terminal-other-session" data-session={o.id}>
                  <span className="drover-mono">{o.label ?? (o.kind === 'local' ? t('terminal.local') : o.host)}</span>
                  <span className="drover-term-menu-note"> · {o.attached > 0 ? t('terminal.others.attached') : t('terminal.others.detachedShort')}</span>
                </span>
              ),
            })),
          },
        ]
      : []),
  ];
  const onClick: MenuProps['onClick'] = ({ key }) => {
    if (key === 'local') store.getState().openTerminal({ kind: 'local' });
    else if (key === 'ssh') onNew('ssh');
    else if (key.startsWith('session:')) store.getState().attachSession(key.slice('session:'.length));
    else if (key.startsWith('saved:')) {
      const h = saved.find((x) => `saved:${x.key}` === key);
      if (h) store.getState().openTerminal({ kind: 'ssh', target: h.target, jumps: [...h.jumps] }, { name: h.source === 'sshConfig' ? h.name : null });
    }
    else {
      const d = [...profiles, ...recent].find((x) => x.key === key);
      if (d) store.getState().openTerminal({ kind: 'ssh', target: d.target, jumps: [...d.jumps] });
    }
  };
  return (
    <Space.Compact>
      <Button type="primary" icon={<PlusOutlined aria-hidden />} onClick={() => store.getState().openTerminal({ kind: 'local' })} data-testid="terminal-new-local">
        {t('terminal.localShell')}
      </Button>
      <Dropdown
        menu={{ items, onClick }}
        trigger={['click']}
        placement="bottomRight"
        onOpenChange={(open) => {
          if (open) void store.getState().loadProfiles();
        }}
      >
        <Button type="primary" icon={<DownOutlined aria-hidden />} aria-label={t('terminal.newTerminal')} data-testid="terminal-new-menu" />
      </Dropdown>
      <Button icon={<CodeOutlined aria-hidden />} onClick={() => onNew('ssh')} data-testid="terminal-new-ssh">
        {t('terminal.sshEllipsis')}
      </Button>
    </Space.Compact>
  );
}

function TerminalTools({ onNew }: { onNew: (kind: NewTerminalKind) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const store = useTerminal();
  const active = useTerminalStore(selectActiveTab);
  const broadcast = useTerminalStore(selectBroadcast);
  const tabs = useTerminalStore(selectTabs);
  const screen = active ? asXterm(store.getState().screen(active.key)) : undefined;

  const save = () => {
    if (!active || !screen) return;
    const name = transcriptFileName(active.target.kind === 'local' ? 'local' : active.label, Date.now());
    downloadText(name, screen.transcript());
    void message.success({ content: t('terminal.transcript.saved', { file: name }), duration: 3 });
  };

  return (
    <Space size={8} wrap>
      <NewTerminalButton onNew={onNew} />
      <Tooltip title={t('terminal.tools.broadcastKey')}>
        {broadcast ? (
          <Button danger type="primary" icon={<NotificationOutlined aria-hidden />} onClick={() => store.getState().stopBroadcast()} data-testid="terminal-broadcast-toggle" data-broadcast="on">
            {t('terminal.tools.broadcastStop', { count: broadcast.length })}
          </Button>
        ) : (
          <Button icon={<NotificationOutlined aria-hidden />} onClick={() => store.getState().startBroadcast()} disabled={tabs.length < 2} data-testid="terminal-broadcast-toggle" data-broadcast="off">
            {t('terminal.tools.broadcast')}
          </Button>
        )}
      </Tooltip>
      <Space.Compact>
        <Tooltip title={t('terminal.tools.find')}>
          <Button icon={<SearchOutlined aria-hidden />} disabled={!screen} onClick={() => screen?.requestFind()} aria-label={t('terminal.tools.find')} data-testid="terminal-find" />
        </Tooltip>
        <Tooltip title={t('terminal.tools.copy')}>
          <Button icon={<CopyOutlined aria-hidden />} disabled={!screen} onClick={() => void screen?.copySelection('key')} aria-label={t('terminal.tools.copy')} />
        </Tooltip>
        <Tooltip title={t('terminal.tools.paste')}>
          <Button icon={<SnippetsOutlined aria-hidden />} disabled={!screen || active?.status !== 'running'} onClick={() => screen?.pasteFromClipboard()} aria-label={t('terminal.tools.paste')} />
        </Tooltip>
        <Tooltip title={t('terminal.tools.save')}>
          <Button icon={<DownloadOutlined aria-hidden />} disabled={!screen} onClick={save} aria-label={t('terminal.tools.save')} data-testid="terminal-save" />
        </Tooltip>
      </Space.Compact>
      <SplitButton />
      <TerminalSettingsButton />
    </Space>
  );
}

function TerminalWorkspace({ onNew }: { onNew: (kind: NewTerminalKind) => void }) {
  const { t } = useTranslation();
  const store = useTerminal();
  const tabs = useTerminalStore(selectTabs);
  const activeKey = useTerminalStore(selectActiveKey);
  const broadcast = useTerminalStore(selectBroadcast);
  const panes = useTerminalStore(selectPanes);
  const closeTab = useCloseTab();

  if (tabs.length === 0) {
    return (
      <div className="drover-term-empty" data-testid="terminal-empty">
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={<span>{t('terminal.empty.title')}</span>}>
          <p className="drover-term-empty-text">{t('terminal.empty.text')}</p>
          <Space>
            <Button type="primary" icon={<DesktopOutlined aria-hidden />} onClick={() => store.getState().openTerminal({ kind: 'local' })} data-testid="terminal-empty-local">
              {t('terminal.localShell')}
            </Button>
            <Button icon={<CodeOutlined aria-hidden />} onClick={() => onNew('ssh')} data-testid="terminal-empty-ssh">
              {t('terminal.sshEllipsis')}
            </Button>
          </Space>
        </Empty>
      </div>
    );
  }

  return (
    <div className={`drover-term-workspace${broadcast ? ' is-broadcasting' : ''}`}>
      {broadcast && <div className="drover-term-broadcast-hint">{t('terminal.broadcast.hint')}</div>}
      {panes.split ? (
        <div className="drover-term-split" data-testid="terminal-split">
          <PaneColumn side="left" keys={keysOf(tabs.map((x) => x.key), panes, 'left')} front={activeKey} focused={panes.focus === 'left'} onNew={onNew} closeTab={closeTab} />
          <PaneColumn side="right" keys={panes.right} front={panes.rightKey} focused={panes.focus === 'right'} onNew={onNew} closeTab={closeTab} />
        </div>
      ) : (
        <PaneColumn side="left" keys={tabs.map((x) => x.key)} front={activeKey} focused onNew={onNew} closeTab={closeTab} />
      )}
    </div>
  );
}

/** One pane: its tab strip and its terminals (the front one shown). */
function PaneColumn({
  side,
  keys,
  front,
  focused,
  onNew,
  closeTab,
}: {
  side: 'left' | 'right';
  keys: readonly string[];
  front: string | null;
  focused: boolean;
  onNew: (kind: NewTerminalKind) => void;
  closeTab: (key: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const store = useTerminal();
  const allTabs = useTerminalStore(selectTabs);
  const broadcast = useTerminalStore(selectBroadcast);
  const split = useTerminalStore(selectPanes).split;
  const tabs = keys.flatMap((k) => allTabs.filter((x) => x.key === k));
  return (
    <div
      className={`drover-term-column${split && focused ? ' is-focused' : ''}`}
      data-testid={`terminal-column-${side}`}
      data-focused={focused ? 'true' : 'false'}
      onFocusCapture={() => store.getState().focusPane(side)}
      onMouseDown={() => store.getState().focusPane(side)}
    >
      {tabs.length === 0 ? (
        <div className="drover-term-column-empty" data-testid={`terminal-column-empty-${side}`}>
          {t('terminal.split.empty')}
        </div>
      ) : (
        <>
          <Tabs
            type="editable-card"
            size="small"
            className="drover-term-tabs"
            activeKey={front ?? undefined}
            onChange={(k) => store.getState().activate(k)}
            onEdit={(k, action) => {
              if (action === 'add') {
                store.getState().focusPane(side);
                onNew('local');
              } else if (typeof k === 'string') void closeTab(k);
            }}
            addIcon={
              <Tooltip title={t('terminal.newTerminal')}>
                <PlusOutlined data-testid={side === 'left' ? 'terminal-tabs-add' : 'terminal-tabs-add-right'} />
              </Tooltip>
            }
            items={tabs.map((tab) => ({
              key: tab.key,
              label: (
                <TabMenu tab={tab} onClose={() => void closeTab(tab.key)}>
                  <TabLabel tab={tab} broadcastOn={broadcast !== null} receiving={broadcast?.includes(tab.key) ?? false} />
                </TabMenu>
              ),
              closable: true,
              closeIcon: <span aria-label={t('terminal.closeTab')} data-testid={`terminal-tab-close-${tab.key}`} className="drover-term-tab-close">×</span>,
            }))}
          />
          <div className="drover-term-panes">
            {tabs.map((tab) => (
              <TerminalPane key={tab.key} tab={tab} active={tab.key === front} focused={focused && tab.key === front} />
            ))}
          </div>
        </>
      )}
    </div>
  );
}

/** Right-click on a tab: rename, duplicate, close. */
function TabMenu({ tab, onClose, children }: { tab: TerminalTab; onClose: () => void; children: React.ReactNode }) {
  const { t } = useTranslation();
  const store = useTerminal();
  const items: MenuProps['items'] = [
    { key: 'rename', icon: <EditOutlined aria-hidden />, label: <span data-testid="terminal-tab-rename">{t('terminal.tab.rename')}</span>, extra: 'Ctrl+Shift+E' },
    { key: 'duplicate', icon: <CopyOutlined aria-hidden />, label: <span data-testid="terminal-tab-duplicate">{t('terminal.tab.duplicate')}</span>, extra: 'Ctrl+Shift+D' },
    { key: 'move', icon: <SplitCellsOutlined aria-hidden />, label: <span data-testid="terminal-tab-move">{t('terminal.tab.moveToOtherPane')}</span>, extra: 'Ctrl+Shift+M' },
    { type: 'divider' },
    { key: 'close', icon: <CloseOutlined aria-hidden />, label: <span data-testid="terminal-tab-menu-close">{t('terminal.tab.close')}</span> },
  ];
  const onClick: MenuProps['onClick'] = ({ key, domEvent }) => {
    domEvent.stopPropagation();
    if (key === 'rename') store.getState().requestRename(tab.key);
    else if (key === 'duplicate') store.getState().duplicateTab(tab.key);
    else if (key === 'move') store.getState().moveTab(tab.key);
    else if (key === 'close') onClose();
  };
  return (
    <Dropdown menu={{ items, onClick }} trigger={['contextMenu']}>
      <span data-testid={`terminal-tab-menu-${tab.key}`}>{children}</span>
    </Dropdown>
  );
}

/** Splits the terminal area into two panes side by side, or back to one. */
function SplitButton() {
  const { t } = useTranslation();
  const store = useTerminal();
  const split = useTerminalStore(selectPanes).split;
  const label = split ? t('terminal.split.off') : t('terminal.split.on');
  return (
    <Tooltip title={label}>
      <Button
        icon={<SplitCellsOutlined aria-hidden />}
        type={split ? 'primary' : 'default'}
        ghost={split}
        aria-label={label}
        aria-pressed={split}
        onClick={() => store.getState().toggleSplit()}
        data-testid="terminal-split-toggle"
        data-split={split ? 'on' : 'off'}
      />
    </Tooltip>
  );
}
