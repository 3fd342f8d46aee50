import {
  AppstoreOutlined,
  CloudServerOutlined,
  CodeOutlined,
  DatabaseOutlined,
  DesktopOutlined,
  NodeIndexOutlined,
  SettingOutlined,
  ThunderboltOutlined,
} from '@ant-design/icons';
import type { TFunction } from 'i18next';
import type { ComponentType, ReactNode } from 'react';
import { DomainsPage } from '../features/domains/domains-page';
import { EtcdPage } from '../features/etcd/etcd-page';
import { FleetPage } from '../features/fleet/fleet-page';
import { MinersPage } from '../features/miners/miners-page';
import { NetbootPage } from '../features/netboot/netboot-page';
import { SettingsPage } from '../features/settings/settings-page';
import { TerminalPage } from '../features/terminal/terminal-page';
import { TERMINAL_SHORTCUTS } from '../features/terminal/terminal-shortcuts';
import { TUNNEL_SHORTCUTS } from '../features/tunnels/tunnel-shortcuts';
import { TunnelsPage } from '../features/tunnels/tunnels-page';

export type PageId = 'tunnels' | 'terminal' | 'etcd' | 'miners' | 'netboot' | 'domains' | 'fleet' | 'settings';

export interface PageDef {
  readonly id: PageId;
  readonly icon: ReactNode;
  readonly component: ComponentType;
  /** Alt+<digit> opens it; settings uses Ctrl+, instead. */
  readonly digit?: number;
  /** Keys that work on this page only; the shortcut help lists them under the page's name. */
  readonly shortcuts?: readonly PageShortcut[];
}

/** A page's own key: its alternative key combinations and what it does, in the UI language. */
export interface PageShortcut {
  readonly keys: readonly (readonly string[])[];
  readonly describe: (t: TFunction) => string;
}

/** The navigation, in menu order. Labels come from "nav.<id>" in the translations. */
export const PAGES: readonly PageDef[] = [
  { id: 'tunnels', icon: <NodeIndexOutlined />, component: TunnelsPage, digit: 1, shortcuts: TUNNEL_SHORTCUTS },
  { id: 'terminal', icon: <CodeOutlined />, component: TerminalPage, digit: 2, shortcuts: TERMINAL_SHORTCUTS },
  { id: 'etcd', icon: <DatabaseOutlined />, component: EtcdPage, digit: 3 },
  { id: 'miners', icon: <ThunderboltOutlined />, component: MinersPage, digit: 4 },
  { id: 'netboot', icon: <CloudServerOutlined />, component: NetbootPage, digit: 5 },
  { id: 'domains', icon: <DesktopOutlined />, component: DomainsPage, digit: 6 },
  { id: 'fleet', icon: <AppstoreOutlined />, component: FleetPage, digit: 7 },
  { id: 'settings', icon: <SettingOutlined />, component: SettingsPage },
];

export const DEFAULT_PAGE: PageId = 'tunnels';

export function isPageId(value: string): value is PageId {
  return PAGES.some((p) => p.id === value);
}

export function pageById(id: PageId): PageDef {
  return PAGES.find((p) => p.id === id) ?? PAGES[0]!;
}
