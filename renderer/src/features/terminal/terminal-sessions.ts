import type { AppError } from '@contract/errors';
import { shortHopLabel } from '@contract/ssh';
import type { TerminalSession, TerminalTarget } from '@contract/terminal';

/**
 * The list of terminal tabs and the session behind each: pure reducers over the tab list (no api,
 * no timers, no screens). terminal-attach.ts reports what the service says; terminal-store.ts
 * folds it in with these.
 */

export type TabStatus = 'connecting' | 'running' | 'exited' | 'failed';

export interface TerminalTab {
  /** Stable for the tab's life (a reconnect opens a new session in the same tab). */
  readonly key: string;
  readonly target: TerminalTarget;
  /** "local", or user@host:port (with " via jump" when there are jump hosts). */
  readonly label: string;
  /** The name the user gave the tab (kept by the service with the session); null: the label. */
  readonly name: string | null;
  /** From the shell's title sequence (OSC 0/2); '' until one arrives. */
  readonly title: string;
  readonly status: TabStatus;
  readonly sessionId: string | null;
  readonly pid: number | undefined;
  readonly exitCode: number | null | undefined;
  readonly exitSignal: string | null | undefined;
  /** Why the session failed to open or was lost. */
  readonly error: AppError | null;
  /** How many sessions this tab has had (1 + reconnects). */
  readonly sessions: number;
}

/** A line Drover writes into a tab's scrollback. */
export interface ScreenNote {
  readonly text: string;
  readonly tone: 'info' | 'error';
}

export function targetLabel(t: TerminalTarget): string {
  if (t.kind === 'local') return 'local';
  const host = shortHopLabel(t.target);
  return t.jumps.length ? `${host} (via ${t.jumps.map((j) => j.host).join(' > ')})` : host;
}

export function statusOf(s: TerminalSession['state']): TabStatus {
  return s === 'starting' ? 'connecting' : s;
}

export function isEnded(tab: Pick<TerminalTab, 'status'>): boolean {
  return tab.status === 'exited' || tab.status === 'failed';
}

export function newTab(key: string, target: TerminalTarget, name: string | null = null): TerminalTab {
  return {
    key,
    target,
    label: targetLabel(target),
    name,
    title: '',
    status: 'connecting',
    sessionId: null,
    pid: undefined,
    exitCode: undefined,
    exitSignal: undefined,
    error: null,
    sessions: 1,
  };
}

export function findTab(tabs: readonly TerminalTab[], key: string): TerminalTab | undefined {
  return tabs.find((t) => t.key === key);
}

export function patchTab(tabs: readonly TerminalTab[], key: string, patch: Partial<TerminalTab>): readonly TerminalTab[] {
  return tabs.map((t) => (t.key === key ? { ...t, ...patch } : t));
}

export function removeTab(tabs: readonly TerminalTab[], key: string): readonly TerminalTab[] {
  return tabs.filter((t) => t.key !== key);
}

/** A new session is being opened in the tab: what the last one left is cleared. */
export const CONNECTING: Partial<TerminalTab> = { status: 'connecting', error: null, exitCode: undefined, exitSignal: undefined, sessionId: null, pid: undefined };

/** The service opened the session. */
export function openedPatch(info: TerminalSession): Partial<TerminalTab> {
  return { sessionId: info.id, pid: info.pid, status: statusOf(info.state), title: '' };
}

/** The service's first title of a session (before the shell sets one): not worth showing. */
export function initialTitle(target: TerminalTarget): string {
  return target.kind === 'local' ? 'local' : shortHopLabel(target.target);
}

/** A session the page attaches to again (after a reload): its title unless it is the initial one. */
export function reattachedPatch(info: TerminalSession, target: TerminalTarget): Partial<TerminalTab> {
  return { sessionId: info.id, pid: info.pid, status: statusOf(info.state), title: info.title === initialTitle(target) ? '' : info.title };
}

/** A user-given tab name: trimmed, at most 128 characters; empty means none. */
export function cleanName(name: string): string | null {
  const n = name.replace(/\s+/g, ' ').trim().slice(0, 128);
  return n ? n : null;
}

/**
 * Which live sessions of the service a page that just loaded takes back as tabs: those it owned
 * (its client id survives a reload in sessionStorage), oldest first, never one a tab already
 * shows. Another window's sessions, and those of a window that closed (kept by the service for a
 * while), are offered instead (TerminalState.others), not taken.
 */
export function sessionsToAdopt<S extends Pick<TerminalSession, 'id' | 'owner' | 'target' | 'createdAtMs'>>(sessions: readonly S[], clientId: string, shown: ReadonlySet<string>): S[] {
  return sessions.filter((s) => s.target && !shown.has(s.id) && s.owner === clientId).sort((a, b) => (a.createdAtMs ?? 0) - (b.createdAtMs ?? 0));
}

/** A state event of the session (first on every attach, then on every change). */
export function sessionPatch(s: TerminalSession): Partial<TerminalTab> & Pick<TerminalTab, 'status'> {
  return { status: statusOf(s.state), exitCode: s.exitCode, exitSignal: s.exitSignal, pid: s.pid };
}

/** "[…]" lines carry the local time; language-neutral so they read the same in every UI language. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The tab once its session ended (exited, failed, or lost), and the line for its scrollback. A tab
 * that had already ended only takes the patch (a late exit code): the line is written once.
 */
export function endTab(tab: TerminalTab, patch: Partial<TerminalTab>, atMs: number): { tab: TerminalTab; note: ScreenNote | null } {
  const wasEnded = isEnded(tab);
  const t = { ...tab, ...patch };
  if (wasEnded) return { tab: t, note: null };
  const parts = [t.status === 'failed' ? 'session failed' : 'session ended'];
  if (t.exitCode !== null && t.exitCode !== undefined) parts.push(`exit ${t.exitCode}`);
  if (t.exitSignal) parts.push(t.exitSignal);
  if (t.error) parts.push(t.error.message);
  const tone = t.status === 'failed' || (t.exitCode ?? 0) !== 0 ? 'error' : 'info';
  return { tab: t, note: { text: `[${parts.join(' · ')} · ${clockTime(atMs)}]`, tone } };
}

/** The line written when the user opens a new session in the same tab. */
export function reconnectNote(tab: TerminalTab, atMs: number): ScreenNote {
  return { text: `[${tab.target.kind === 'ssh' ? 'reconnecting to' : 'new shell:'} ${tab.label} · ${clockTime(atMs)}]`, tone: 'info' };
}
