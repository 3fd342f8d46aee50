/**
 * The security policy of Drover's Electron window, as plain data and predicates. This file has no
 * runtime dependency on Electron (types only), so unit tests can import and check it where the
 * Electron binary does not exist. electron/main.ts applies it.
 */
import type { WebPreferences } from 'electron';
import { contentSecurityPolicy } from '../main/host/content-security-policy';

/** The privileged scheme the renderer is served from, and its one host. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'drover';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Window-message and IPC channel names of the MessagePort handshake (see electron/preload.ts). */
export const PORT_CHANNELS = {
  /** page → preload (window message): "give me a port". */
  want: 'drover:want-port',
  /** preload → main (ipcRenderer.send): the page asked for a port. */
  hello: 'drover:hello',
  /** main → preload (webContents.postMessage) and preload → page (window message): the port. */
  port: 'drover:port',
} as const;

/**
 * Privileges of the app:// scheme: standard (real origin, relative URLs resolve), secure
 * (a secure context like https), fetch support and code cache. Not corsEnabled: leaving it unset
 * keeps app:// unreadable from any other origin.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  allowServiceWorkers: false,
  bypassCSP: false,
  corsEnabled: false,
  stream: false,
} as const;

export interface SecureWebPreferencesOptions {
  /** Absolute path of dist/electron/preload.cjs. */
  preloadPath: string;
  /** Developer tools (on in development, off in packaged builds). */
  devTools: boolean;
}

/** The BrowserWindow webPreferences: sandboxed, isolated, no Node anywhere in the renderer. */
export function secureWebPreferences(options: SecureWebPreferencesOptions): WebPreferences {
  return {
    preload: options.preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    devTools: options.devTools,
  };
}

/** The Content-Security-Policy header of every app:// response (the one shared CSP). */
export function appContentSecurityPolicy(): string {
  return contentSecurityPolicy();
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for URLs of our own app:// origin (app://drover/..., no port, no credentials). */
export function isAppUrl(url: string): boolean {
  const u = parseUrl(url);
  return (
    u !== null &&
    u.protocol === `${APP_SCHEME}:` &&
    u.hostname === APP_HOST &&
    u.port === '' &&
    u.username === '' &&
    u.password === ''
  );
}

/**
 * 'will-navigate' / 'will-redirect' policy: the window never leaves the page it loaded. Only a
 * navigation to the very same app:// URL (a reload by assignment) is let through.
 */
export function isNavigationAllowed(currentUrl: string, targetUrl: string): boolean {
  if (!isAppUrl(targetUrl) || !isAppUrl(currentUrl)) return false;
  const current = parseUrl(currentUrl);
  const target = parseUrl(targetUrl);
  return current !== null && target !== null && current.href === target.href;
}

/** Longest external URL we hand to the system browser. */
export const MAX_EXTERNAL_URL_CHARS = 2048;

/**
 * window.open / target=_blank policy: no new Electron window, ever. Returns the URL to open in
 * the system browser (http/https only, with a host, no embedded credentials), or null.
 */
export function externalUrlToOpen(url: string): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_EXTERNAL_URL_CHARS) return null;
  const u = parseUrl(url);
  if (!u) return null;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.hostname === '' || u.username !== '' || u.password !== '') return null;
  return u.href;
}

/** What setWindowOpenHandler answers: always deny (the caller may open externalUrlToOpen(url)). */
export function windowOpenPolicy(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Session permission requests (camera, clipboard-read, ...): all refused but desktop notifications,
 * which Fleet shows when an alert fires while the window is in the background (the page asks only
 * from a button; a notification shows text and nothing else).
 */
export function permissionRequestPolicy(permission: string): boolean {
  return permission === 'notifications';
}

/** Session permission checks: the same answer as for requests. */
export function permissionCheckPolicy(permission: string): boolean {
  return permissionRequestPolicy(permission);
}

/** Device (HID, serial, USB) access: refused. */
export function devicePermissionPolicy(_deviceType: string): boolean {
  return false;
}

/** The parts of an IPC event that identify its sender (a structural subset of IpcMainEvent). */
export interface SenderFrameLike {
  readonly url: string;
  readonly origin: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly routingId: number;
  readonly detached?: boolean;
}

export interface IpcSenderLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: SenderFrameLike | null;
}

export interface ExpectedSender {
  /** webContents.id of our main window (null when there is no window). */
  readonly webContentsId: number | null;
  /** Its main frame now. */
  readonly mainFrame: { readonly processId: number; readonly routingId: number } | null;
}

export type SenderCheck = { ok: true } | { ok: false; reason: string };

/**
 * Accepts an IPC message only from our own window's main frame while it shows app://drover.
 * Anything else (another webContents, a subframe, a navigated or destroyed frame, a foreign
 * origin) is refused with a reason for the log.
 */
export function validateIpcSender(event: IpcSenderLike, expected: ExpectedSender): SenderCheck {
  if (expected.webContentsId === null || expected.mainFrame === null) return { ok: false, reason: 'no main window' };
  if (event.sender.id !== expected.webContentsId) {
    return { ok: false, reason: `sender webContents ${event.sender.id} is not the main window` };
  }
  const frame = event.senderFrame;
  if (!frame) return { ok: false, reason: 'sender frame is gone (navigated or destroyed)' };
  if (frame.detached) return { ok: false, reason: 'sender frame is detached' };
  if (frame.parent !== null && frame.parent !== undefined) return { ok: false, reason: 'sender is a subframe' };
  if (frame.processId !== expected.mainFrame.processId || frame.routingId !== expected.mainFrame.routingId) {
    return { ok: false, reason: 'sender is not the main frame' };
  }
  if (!isAppUrl(frame.url)) return { ok: false, reason: `sender URL is not ${APP_ORIGIN}: ${truncate(frame.url)}` };
  if (frame.origin !== APP_ORIGIN) return { ok: false, reason: `sender origin is not ${APP_ORIGIN}: ${truncate(frame.origin)}` };
  return { ok: true };
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
