// The Electron shell's security, checked where the Electron binary does not exist: the policy
// module (webPreferences, CSP, navigation, window.open, permissions, IPC sender validation), the
// preload's source (it exposes nothing), the packaging config and its fuses, and the real bundle
// dist/electron/main.cjs run under plain Node with a stand-in 'electron' module
// (test/e2e-electron/fake-electron-runtime.cjs). The real-binary e2e is test/e2e-electron/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../main/host/content-security-policy';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  PORT_CHANNELS,
  appContentSecurityPolicy,
  devicePermissionPolicy,
  externalUrlToOpen,
  isAppUrl,
  isNavigationAllowed,
  permissionCheckPolicy,
  permissionRequestPolicy,
  secureWebPreferences,
  validateIpcSender,
  windowOpenPolicy,
  type IpcSenderLike,
} from '../../electron/window-security';

const root = path.resolve(__dirname, '../..');
const requireFromRoot = createRequire(path.join(root, 'package.json'));
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

function parse(rel: string): ts.SourceFile {
  return ts.createSourceFile(rel, read(rel), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

/** Every import/export/require of module specifiers in a source file. */
function moduleRefs(sf: ts.SourceFile): { specifier: string; typeOnly: boolean }[] {
  const refs: { specifier: string; typeOnly: boolean }[] = [];
  walk(sf, (n) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const clause = n.importClause;
      const allNamedTypeOnly =
        clause !== undefined &&
        clause.name === undefined &&
        clause.namedBindings !== undefined &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.every((e) => e.isTypeOnly);
      refs.push({ specifier: n.moduleSpecifier.text, typeOnly: Boolean(clause?.isTypeOnly) || allNamedTypeOnly });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      refs.push({ specifier: n.moduleSpecifier.text, typeOnly: n.isTypeOnly });
    } else if (
      ts.isCallExpression(n) &&
      ((ts.isIdentifier(n.expression) && n.expression.text === 'require') || n.expression.kind === ts.SyntaxKind.ImportKeyword)
    ) {
      const arg = n.arguments[0];
      refs.push({ specifier: arg && ts.isStringLiteral(arg) ? arg.text : '<dynamic>', typeOnly: false });
    }
  });
  return refs;
}

const GOOD_FRAME = { url: APP_INDEX_URL, origin: APP_ORIGIN, parent: null, processId: 4, routingId: 1, detached: false };
const EXPECTED = { webContentsId: 1, mainFrame: { processId: 4, routingId: 1 } };
const hello = (sender: number, frame: Partial<typeof GOOD_FRAME> | null): IpcSenderLike => ({
  sender: { id: sender },
  senderFrame: frame === null ? null : { ...GOOD_FRAME, ...frame },
});

describe('window-security.ts (the policy, no Electron needed)', () => {
  it('has no runtime dependency on electron (types only), nor do the other testable modules', () => {
    for (const rel of ['electron/window-security.ts', 'electron/app-protocol.ts', 'electron/message-port-endpoint.ts', 'electron/port-server.ts']) {
      const refs = moduleRefs(parse(rel));
      const runtimeElectron = refs.filter((r) => r.specifier === 'electron' && !r.typeOnly);
      expect(runtimeElectron, rel).toEqual([]);
      expect(refs.filter((r) => /renderer/.test(r.specifier)), rel).toEqual([]);
    }
  });

  it('locks the renderer down in webPreferences', () => {
    const prefs = secureWebPreferences({ preloadPath: '/app/dist/electron/preload.cjs', devTools: false });
    expect(prefs).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
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
      devTools: false,
    });
    expect(prefs).not.toHaveProperty('enableRemoteModule');
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('serves app:// with the one CSP, whose script-src allows no inline code or eval', () => {
    const csp = appContentSecurityPolicy();
    expect(csp).toBe(contentSecurityPolicy());
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
    expect(scriptSrc).toBeDefined();
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(scriptSrc).not.toContain('*');
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('registers app:// as a standard secure scheme without CORS or CSP bypass', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, bypassCSP: false });
    expect(isAppUrl('app://drover/index.html')).toBe(true);
    expect(isAppUrl('app://drover.evil/index.html')).toBe(false);
  });

  it('refuses navigation to any other URL', () => {
    for (const target of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'app://drover/other.html',
      'app://drover/index.html?x=1',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'about:blank',
      'chrome://gpu',
      'not a url',
    ]) {
      expect(isNavigationAllowed(APP_INDEX_URL, target), target).toBe(false);
    }
    expect(isNavigationAllowed(APP_INDEX_URL, APP_INDEX_URL)).toBe(true);
    expect(isNavigationAllowed('', APP_INDEX_URL)).toBe(false);
    expect(isNavigationAllowed('https://example.com/', 'https://example.com/')).toBe(false);
  });

  it('denies window.open; only http(s) links go to the system browser', () => {
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', APP_INDEX_URL]) {
      expect(windowOpenPolicy(url)).toEqual({ action: 'deny' });
    }
    expect(externalUrlToOpen('https://github.com/drover/issues?q=1')).toBe('https://github.com/drover/issues?q=1');
    expect(externalUrlToOpen('http://example.com')).toBe('http://example.com/');
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://drover/index.html',
      'smb://host/share',
      'ms-msdt:/id',
      'vscode://x',
      'https://user:pw@example.com/',
      `https://example.com/${'a'.repeat(3000)}`,
      'not a url',
      '',
    ]) {
      expect(externalUrlToOpen(bad), bad).toBeNull();
    }
  });

  it('denies every permission request and check but desktop notifications (Fleet alerts)', () => {
    for (const p of ['media', 'geolocation', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen', 'hid', 'serial', 'usb', 'midiSysex', 'unknown', 'Notifications', 'notifications ']) {
      expect(permissionRequestPolicy(p), p).toBe(false);
      expect(permissionCheckPolicy(p), p).toBe(false);
    }
    expect(permissionRequestPolicy('notifications')).toBe(true);
    expect(permissionCheckPolicy('notifications')).toBe(true);
    expect(devicePermissionPolicy('usb')).toBe(false);
  });

  it('accepts drover:hello only from the main frame of our window on app://drover', () => {
    expect(validateIpcSender(hello(1, {}), EXPECTED)).toEqual({ ok: true });
    const refused: [string, IpcSenderLike, typeof EXPECTED | { webContentsId: null; mainFrame: null }][] = [
      ['another webContents', hello(2, {}), EXPECTED],
      ['a subframe', hello(1, { parent: { url: APP_INDEX_URL } as never, routingId: 9 }), EXPECTED],
      ['a subframe claiming the main routing id', hello(1, { parent: {} as never }), EXPECTED],
      ['another frame', hello(1, { routingId: 2 }), EXPECTED],
      ['another process', hello(1, { processId: 5 }), EXPECTED],
      ['a destroyed frame', hello(1, null), EXPECTED],
      ['a detached frame', hello(1, { detached: true }), EXPECTED],
      ['a foreign origin', hello(1, { url: 'https://evil.example/', origin: 'https://evil.example' }), EXPECTED],
      ['a file page', hello(1, { url: 'file:///tmp/x.html', origin: 'file://' }), EXPECTED],
      ['another app host', hello(1, { url: 'app://evil/index.html', origin: 'app://evil' }), EXPECTED],
      ['an origin mismatch', hello(1, { origin: 'null' }), EXPECTED],
      ['no window', hello(1, {}), { webContentsId: null, mainFrame: null }],
    ];
    for (const [name, event, expected] of refused) {
      const check = validateIpcSender(event, expected);
      expect(check.ok, name).toBe(false);
      if (!check.ok) expect(check.reason.length, name).toBeGreaterThan(0);
    }
  });
});

describe('preload.ts (exposes nothing)', () => {
  const sf = parse('electron/preload.ts');
  const source = read('electron/preload.ts');

  it('imports only ipcRenderer from electron and never touches contextBridge', () => {
    const refs = moduleRefs(sf);
    expect(refs.map((r) => r.specifier)).toEqual(['electron']);
    const names: string[] = [];
    walk(sf, (n) => {
      if (ts.isImportDeclaration(n) && n.importClause?.namedBindings && ts.isNamedImports(n.importClause.namedBindings)) {
        names.push(...n.importClause.namedBindings.elements.map((e) => (e.propertyName ?? e.name).text));
      }
    });
    expect(names).toEqual(['ipcRenderer']);
    const identifiers = new Set<string>();
    walk(sf, (n) => {
      if (ts.isIdentifier(n)) identifiers.add(n.text);
    });
    for (const forbidden of ['contextBridge', 'exposeInMainWorld', 'exposeInIsolatedWorld', 'webFrame', 'remote', 'require', 'process', 'eval', 'Function']) {
      expect(identifiers.has(forbidden), forbidden).toBe(false);
    }
  });

  it('uses ipcRenderer only to send drover:hello and receive drover:port, and never hands it out', () => {
    const uses: string[] = [];
    walk(sf, (n) => {
      if (!ts.isIdentifier(n) || n.text !== 'ipcRenderer') return;
      const parent = n.parent;
      if (ts.isImportSpecifier(parent)) return;
      // Every use must be `ipcRenderer.<method>(<string literal>, ...)`.
      if (!ts.isPropertyAccessExpression(parent) || parent.expression !== n) {
        uses.push(`bare use: ${parent.getText(sf)}`);
        return;
      }
      const call = parent.parent;
      if (!ts.isCallExpression(call) || call.expression !== parent) {
        uses.push(`non-call use: ${call.getText(sf)}`);
        return;
      }
      const first = call.arguments[0];
      const channel = first && ts.isIdentifier(first) ? constValue(first.text) : first && ts.isStringLiteral(first) ? first.text : '<dynamic>';
      uses.push(`${parent.name.text}(${channel})`);
    });
    expect(uses.sort()).toEqual([`on(${PORT_CHANNELS.port})`, `send(${PORT_CHANNELS.hello})`]);
    expect(source).not.toMatch(/\.(invoke|sendSync|sendTo|sendToHost)\s*\(/);
  });

  it('answers only its own window, for the same channel names as main', () => {
    expect(constValue('WANT_PORT')).toBe(PORT_CHANNELS.want);
    expect(constValue('HELLO')).toBe(PORT_CHANNELS.hello);
    expect(constValue('PORT')).toBe(PORT_CHANNELS.port);
    expect(source).toMatch(/event\.source !== window/);
    expect(source).toMatch(/window\.postMessage\(PORT, targetOrigin\(\), \[port\]\)/);
  });

  function constValue(name: string): string | undefined {
    let value: string | undefined;
    walk(sf, (n) => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer && ts.isStringLiteral(n.initializer)) {
        value = n.initializer.text;
      }
    });
    return value;
  }
});

describe('main.ts (applies the policy)', () => {
  const source = read('electron/main.ts');
  it('uses the policy module and no remote module or relaxed preferences', () => {
    for (const needed of [
      'app.enableSandbox()',
      'requestSingleInstanceLock()',
      'registerSchemesAsPrivileged',
      'secureWebPreferences(',
      'setPermissionRequestHandler',
      'setPermissionCheckHandler',
      'setWindowOpenHandler',
      "'will-navigate'",
      "'will-redirect'",
      "'will-attach-webview'",
      'validateIpcSender(',
    ]) {
      expect(source, needed).toContain(needed);
    }
    for (const forbidden of ['@electron/remote', 'enableRemoteModule', 'nodeIntegration: true', 'contextIsolation: false', 'sandbox: false', 'webSecurity: false']) {
      expect(source, forbidden).not.toContain(forbidden);
    }
  });
});

describe('packaging: electron-builder.yml and the fuses', () => {
  const yaml = requireFromRoot('js-yaml') as { load(text: string): unknown };
  const config = yaml.load(read('electron-builder.yml')) as Record<string, unknown> & {
    asarUnpack: string[];
    files: string[];
    directories: { output: string };
    afterPack: string;
    linux: { target: string[]; category: string };
    win: { target: string[] };
    mac: { target: string[] };
  };

  it('is a valid electron-builder configuration', async () => {
    const { validateConfiguration } = requireFromRoot('app-builder-lib/out/util/config/config') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = requireFromRoot('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('packages dist/ into an asar, native modules unpacked, for linux/win/mac', () => {
    expect(config.appId).toBe('io.drover.console');
    expect(config.productName).toBe('Drover');
    expect(config.asar).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'package.json']));
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node']));
    for (const mod of ['node-pty', 'ssh2', 'cpu-features']) {
      expect(config.asarUnpack.some((p) => p.includes(mod)), mod).toBe(true);
    }
    expect(config.directories.output).toBe('release');
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux.category).toBe('Network');
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContain('dmg');
    expect(existsSync(path.resolve(root, config.afterPack))).toBe(true);
    expect(read('package.json')).toContain('"main": "dist/electron/main.cjs"');
  });

  it('flips the fuses: no RunAsNode, NODE_OPTIONS or --inspect; asar only, with integrity', () => {
    const afterPack = requireFromRoot(path.resolve(root, config.afterPack)) as {
      fuseConfigFor(target: { platform: string; arch: number | string }): Record<string | number, unknown>;
      electronBinaryPath(context: unknown): string;
    };
    const { FuseV1Options, FuseVersion } = requireFromRoot('@electron/fuses') as {
      FuseV1Options: Record<string, number>;
      FuseVersion: Record<string, string>;
    };
    const key = (name: string) => {
      const index = FuseV1Options[name];
      if (index === undefined) throw new Error(`@electron/fuses has no ${name}`);
      return index;
    };
    for (const [platform, arch] of [['linux', 1], ['win32', 1], ['darwin', 1], ['darwin', 3], ['mas', 'arm64']] as const) {
      const fuses = afterPack.fuseConfigFor({ platform, arch });
      const what = `${platform}/${arch}`;
      expect(fuses.version, what).toBe(FuseVersion.V1);
      expect(fuses[key('RunAsNode')], what).toBe(false);
      expect(fuses[key('EnableNodeOptionsEnvironmentVariable')], what).toBe(false);
      expect(fuses[key('EnableNodeCliInspectArguments')], what).toBe(false);
      expect(fuses[key('OnlyLoadAppFromAsar')], what).toBe(true);
      expect(fuses[key('EnableEmbeddedAsarIntegrityValidation')], what).toBe(true);
      expect(fuses[key('EnableCookieEncryption')], what).toBe(true);
      expect(fuses[key('GrantFileProtocolExtraPrivileges')], what).toBe(false);
      expect(fuses.resetAdHocDarwinSignature, what).toBe(platform !== 'linux' && platform !== 'win32' && (arch === 3 || arch === 'arm64'));
    }
    const packager = { appInfo: { productFilename: 'Drover' }, executableName: 'drover' };
    expect(afterPack.electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'linux', packager })).toBe(path.join('/o', 'drover'));
    expect(afterPack.electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'win32', packager })).toBe(path.join('/o', 'Drover.exe'));
    expect(afterPack.electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'darwin', packager })).toBe(path.join('/o', 'Drover.app'));
  });

  it('keeps Electron downloads out of npm ci / npm test (only scripts/dist.mjs runs them)', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    for (const [name, script] of Object.entries(pkg.scripts)) {
      if (name === 'dist') continue;
      expect(script, name).not.toMatch(/install-app-deps|electron-rebuild|@electron\/rebuild|electron-builder/);
    }
    expect(pkg.scripts.postinstall ?? '').not.toMatch(/electron/);
    expect(read('scripts/dist.mjs')).toContain('install-app-deps');
  });
});

describe('the built bundles (node scripts/build.mjs electron)', () => {
  const mainCjs = path.join(root, 'dist/electron/main.cjs');
  const preloadCjs = path.join(root, 'dist/electron/preload.cjs');
  let startedMs = 0;

  beforeAll(() => {
    startedMs = Date.now();
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), 'electron'], { cwd: root, stdio: 'pipe', timeout: 60_000 });
  }, 90_000);

  it('writes dist/electron/main.cjs and preload.cjs', () => {
    for (const file of [mainCjs, preloadCjs]) {
      expect(existsSync(file), file).toBe(true);
      expect(statSync(file).mtimeMs, file).toBeGreaterThanOrEqual(startedMs - 2000);
    }
  });

  it('the preload bundle requires nothing but electron and exposes nothing', () => {
    const text = readFileSync(preloadCjs, 'utf8');
    const requires = [...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect([...new Set(requires)]).toEqual(['electron']);
    expect(text).not.toContain('contextBridge');
    expect(text).not.toContain('exposeInMainWorld');
  });

  it('runs under a stand-in electron: secure window, app://, port handshake, ping, quit', () => {
    const configDir = mkdtempSync(path.join(os.tmpdir(), 'drover-electron-smoke-'));
    try {
      const result = spawnSync(process.execPath, ['-r', path.join(root, 'test/e2e-electron/fake-electron-runtime.cjs'), mainCjs], {
        cwd: root,
        env: { ...process.env, DROVER_CONFIG_DIR: configDir, ELECTRON_RUN_AS_NODE: '' },
        encoding: 'utf8',
        timeout: 15_000,
      });
      const line = result.stdout.split('\n').find((l) => l.startsWith('FAKE-ELECTRON-REPORT '));
      expect(line, `no report; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBeDefined();
      const report = JSON.parse(line!.slice('FAKE-ELECTRON-REPORT '.length));

      const hint = /import\.meta|must be a file URL/.test(result.stderr)
        ? '\nHint: a module in the bundle uses import.meta.url, which esbuild empties in CommonJS output; ' +
          "scripts/build.mjs must define it for the electron main bundle (define 'import.meta.url' + a banner from __filename)."
        : '';
      expect(report.errorBoxes, `main.cjs failed to start:\n${result.stderr}${hint}`).toEqual([]);
      expect(report.errors).toEqual([]);
      expect(report.singleInstanceLockRequested).toBe(true);
      expect(report.sandboxEnabledBeforeReady).toBe(true);
      expect(report.schemesRegisteredBeforeReady).toBe(true);
      expect(report.schemes).toEqual([{ scheme: 'app', privileges: { ...APP_SCHEME_PRIVILEGES } }]);

      expect(report.windows).toHaveLength(1);
      expect(report.windows[0].loadedUrl).toBe(APP_INDEX_URL);
      expect(report.windows[0].options.webPreferences).toEqual(secureWebPreferences({ preloadPath: preloadCjs, devTools: true }));

      // Only desktop notifications are granted (Fleet's alerts).
      for (const [k, v] of Object.entries(report.permission)) expect(v, k).toBe(k === 'request:notifications' || k === 'check:notifications');

      expect(report.protocol.registered).toBe(true);
      expect(report.protocol.traversal.status).toBe(404);
      expect(report.protocol.otherHost.status).toBe(404);
      expect(report.protocol.index.csp).toBe(contentSecurityPolicy());
      if (existsSync(path.join(root, 'dist/renderer/index.html'))) {
        expect(report.protocol.index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
      }

      expect(report.handshake.postedAfterRefusals).toBe(0);
      expect(report.handshake.channel).toBe(PORT_CHANNELS.port);
      expect(report.handshake.portCount).toBe(1);
      expect(report.handshake.hello).toMatchObject({ t: 'hello' });
      expect(report.handshake.ping).toMatchObject({ t: 'res', id: 1, r: { echo: 'over the port' } });
      expect(report.handshake.firstPortClosedOnReconnect).toBe(true);
      expect(report.handshake.secondPing).toMatchObject({ t: 'res', id: 1, r: { echo: 'again' } });
      expect(report.handshake.secondPortClosedOnWindowClose).toBe(true);

      expect(report.navigation).toMatchObject({
        'navigate:external': 'blocked',
        'redirect:external': 'blocked',
        'navigate:otherAppPage': 'blocked',
        'navigate:file': 'blocked',
        'navigate:same': 'allowed',
        webview: 'blocked',
        windowOpenHttps: { action: 'deny' },
        windowOpenFile: { action: 'deny' },
        windowOpenJs: { action: 'deny' },
      });
      expect(report.openExternal).toEqual(['https://example.com/docs']);

      expect(report.order.slice(-2)).toEqual(['quit', 'exit:0']);
      expect(report.exitCode).toBe(0);
      expect(result.status).toBe(0);
      expect(result.stderr).not.toMatch(/uncaught exception|unhandled rejection/);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  });
});
