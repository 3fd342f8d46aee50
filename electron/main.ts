/**
 * Drover's Electron main process: app lifecycle, the one window, the app:// protocol that serves
 * the built renderer, and the MessagePort transport to the services. All policy lives in
 * window-security.ts (pure, unit-tested); this file applies it. Bundled to dist/electron/main.cjs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  ipcMain,
  MessageChannelMain,
  protocol,
  safeStorage,
  session,
  shell,
  dialog,
  type IpcMainEvent,
  type MessagePortMain,
  type WebContents,
} from 'electron';
import { createServices, defaultConfigDir, type Services } from '../main/app/create-services';
import { SafeStorageSecretStore } from '../main/settings/safe-storage-secret-store';
import { createAppProtocolHandler } from './app-protocol';
import { PortServer } from './port-server';
import { unloadPrompt } from './unload-prompt';
import {
  APP_INDEX_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  PORT_CHANNELS,
  devicePermissionPolicy,
  externalUrlToOpen,
  isNavigationAllowed,
  permissionCheckPolicy,
  permissionRequestPolicy,
  secureWebPreferences,
  validateIpcSender,
  windowOpenPolicy,
} from './window-security';

const SHUTDOWN_TIMEOUT_MS = 10_000;

function log(message: string): void {
  console.log(`[drover-electron] ${message}`);
}
function logError(message: string, err?: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : err === undefined ? '' : String(err);
  console.error(`[drover-electron] ${message}${detail ? `: ${detail}` : ''}`);
}

process.on('uncaughtException', (err) => logError('uncaught exception', err));
process.on('unhandledRejection', (reason) => logError('unhandled rejection', reason));

// dist/electron/main.cjs → dist/electron/preload.cjs and dist/renderer (inside app.asar when packaged).
const preloadPath = path.join(__dirname, 'preload.cjs');
const rendererDir = path.join(__dirname, '..', 'renderer');

// Before anything else: one instance, the sandbox everywhere, the privileged app:// scheme.
if (!app.requestSingleInstanceLock()) {
  log('another Drover instance is running; handing over to it');
  app.quit();
} else {
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
  main();
}

function main(): void {
  let services: Services | null = null;
  let mainWindow: BrowserWindow | null = null;
  let portServer: PortServer<MessagePortMain> | null = null;
  let quitState: 'running' | 'disposing' | 'done' = 'running';

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  // Every webContents (there should only ever be our window's) gets the same navigation rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  ipcMain.on(PORT_CHANNELS.hello, (event: IpcMainEvent) => {
    const win = mainWindow && !mainWindow.isDestroyed() ? mainWindow : null;
    const check = validateIpcSender(event, {
      webContentsId: win ? win.webContents.id : null,
      mainFrame: win ? win.webContents.mainFrame : null,
    });
    if (!check.ok) {
      logError(`refused ${PORT_CHANNELS.hello} from webContents ${event.sender.id}: ${check.reason}`);
      return;
    }
    if (!win || !portServer) return;
    try {
      const id = portServer.connect((port2) => win.webContents.postMessage(PORT_CHANNELS.port, null, [port2]));
      log(`connection ${id} opened`);
    } catch (err) {
      logError('could not open a message port connection', err);
    }
  });

  const createWindow = (svc: Services) => {
    const win = new BrowserWindow({
      width: 1400,
      height: 900,
      minWidth: 960,
      minHeight: 600,
      show: false,
      title: 'Drover',
      backgroundColor: '#141414',
      webPreferences: secureWebPreferences({ preloadPath, devTools: !app.isPackaged }),
    });
    const server = new PortServer<MessagePortMain>({
      routes: svc.routes,
      createChannel: () => new MessageChannelMain(),
      name: `window-${win.webContents.id}`,
      log,
      onInternalError: (err, where) => logError(`internal error in ${where}`, err),
    });
    mainWindow = win;
    portServer = server;
    win.once('ready-to-show', () => win.show());
    // The page cancels its unload while terminal sessions run: ask, natively (see unload-prompt.ts).
    win.webContents.on('will-prevent-unload', (event) => {
      const p = unloadPrompt(app.getLocale());
      const choice = dialog.showMessageBoxSync(win, { type: 'question', title: p.title, message: p.message, detail: p.detail, buttons: [...p.buttons], defaultId: 1, cancelId: 1, noLink: true });
      if (choice === 0) event.preventDefault(); // preventDefault here means: unload anyway
    });
    win.webContents.on('render-process-gone', (_e, details) => {
      logError(`renderer process gone (${details.reason}, exit code ${details.exitCode})`);
      server.disconnect('renderer process gone');
    });
    win.on('closed', () => {
      server.dispose();
      if (portServer === server) portServer = null;
      if (mainWindow === win) mainWindow = null;
    });
    win.loadURL(APP_INDEX_URL).catch((err: unknown) => logError(`could not load ${APP_INDEX_URL}`, err));
    return win;
  };

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (services && !mainWindow && quitState === 'running') createWindow(services);
  });

  // Quit: close the window's connection, dispose every service (awaited), then exit.
  app.on('will-quit', (event) => {
    if (quitState === 'done') return;
    event.preventDefault();
    if (quitState === 'disposing') return;
    quitState = 'disposing';
    const timer = setTimeout(() => {
      logError(`services did not dispose within ${SHUTDOWN_TIMEOUT_MS} ms; exiting anyway`);
      quitState = 'done';
      app.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    void (async () => {
      let code = 0;
      try {
        portServer?.dispose();
        portServer = null;
        await Promise.resolve(services?.dispose());
        services = null;
      } catch (err) {
        code = 1;
        logError('disposing services failed', err);
      }
      clearTimeout(timer);
      quitState = 'done';
      app.exit(code);
    })();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`${signal}: quitting`);
      app.quit();
    });
  }

  app
    .whenReady()
    .then(async () => {
      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionRequestPolicy(permission)));
      ses.setPermissionCheckHandler((_wc, permission) => permissionCheckPolicy(permission));
      ses.setDevicePermissionHandler((details) => devicePermissionPolicy(details.deviceType));

      protocol.handle(APP_SCHEME, createAppProtocolHandler({ rootDir: rendererDir, log: (m) => logError(m) }));
      if (!existsSync(path.join(rendererDir, 'index.html'))) {
        logError(`${rendererDir}/index.html is missing: build the renderer first (node scripts/build.mjs renderer)`);
      }

      // Secrets go to the OS keyring through safeStorage (asked only now: on Linux its backend is
      // known after ready). Without a real keyring the store keeps them in memory and says why.
      const configDir = defaultConfigDir(process.env);
      services = await createServices({
        transport: 'electron',
        configDir,
        secretStore: new SafeStorageSecretStore({ safeStorage, dir: configDir }),
      });
      if (quitState !== 'running') return;
      createWindow(services);
    })
    .catch((err: unknown) => {
      logError('startup failed', err);
      try {
        dialog.showErrorBox('Drover could not start', err instanceof Error ? err.message : String(err));
      } catch {}
      app.exit(1);
    });
}

/** Navigation, new windows, webviews: none of them leave or extend the app. */
function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (isNavigationAllowed(contents.getURL(), event.url)) return;
    event.preventDefault();
    logError(`blocked navigation to ${event.url.slice(0, 300)}`);
  });
  contents.on('will-redirect', (event) => {
    if (isNavigationAllowed(contents.getURL(), event.url)) return;
    event.preventDefault();
    logError(`blocked redirect to ${event.url.slice(0, 300)}`);
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logError('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url);
    if (external) {
      shell.openExternal(external).catch((err: unknown) => logError(`could not open ${external}`, err));
    } else {
      logError(`blocked window.open of ${url.slice(0, 300)}`);
    }
    return windowOpenPolicy(url);
  });
}
