/* eslint-disable @typescript-eslint/no-require-imports */
// A stand-in for the 'electron' module, so the real bundle dist/electron/main.cjs can run under
// plain Node where the Electron binary does not exist. Used by test/unit/electron-main-smoke.test.ts:
//
//   node -r ./test/e2e-electron/fake-electron-runtime.cjs dist/electron/main.cjs
//
// It records what the bundle does (scheme registration, window options, handlers), then drives a
// scenario through the handlers main.cjs installed — the app:// protocol, foreign and valid
// 'drover:hello' senders, a system.ping over the MessagePort, a reconnect, navigation, window.open,
// webviews, permissions — then quits and prints one line `FAKE-ELECTRON-REPORT {json}` before
// the process exits with the code main.cjs gave app.exit(). It is no substitute for the real
// e2e (test/e2e-electron/electron.spec.ts), which runs wherever the binary exists.
'use strict';
const Module = require('node:module');
const { EventEmitter } = require('node:events');
const { MessageChannel } = require('node:worker_threads');

const report = {
  order: [],
  errors: [],
  schemes: null,
  sandboxEnabledBeforeReady: false,
  schemesRegisteredBeforeReady: false,
  singleInstanceLockRequested: false,
  windows: [],
  permission: {},
  protocol: {},
  handshake: {},
  navigation: {},
  openExternal: [],
  errorBoxes: [],
  exitCode: null,
};
let ready = false;
let resolveReady;
const readyPromise = new Promise((r) => (resolveReady = r));
const ipcHandlers = new Map();
const protocolHandlers = new Map();
const sessionHandlers = {};

class FakePortMain extends EventEmitter {
  constructor(port) {
    super();
    this.port = port;
    this.closed = false;
    this.started = false;
    port.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }
  postMessage(message) {
    this.port.postMessage(message);
  }
  // Like Electron's ports, messages queue until start() (a Node port starts on its first listener).
  start() {
    if (this.started) return;
    this.started = true;
    this.port.on('message', (data) => this.emit('message', { data, ports: [] }));
  }
  close() {
    this.closed = true;
    this.port.close();
  }
}

class MessageChannelMain {
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port1 = new FakePortMain(port1);
    this.port2 = new FakePortMain(port2);
  }
}

const app = new EventEmitter();
Object.assign(app, {
  isPackaged: false,
  requestSingleInstanceLock() {
    report.singleInstanceLockRequested = true;
    return true;
  },
  enableSandbox() {
    report.order.push('enableSandbox');
    if (!ready) report.sandboxEnabledBeforeReady = true;
  },
  whenReady() {
    return readyPromise;
  },
  isReady() {
    return ready;
  },
  quit() {
    report.order.push('quit');
    let prevented = false;
    const event = { preventDefault: () => (prevented = true) };
    app.emit('before-quit', event);
    if (prevented) return;
    app.emit('will-quit', event);
    if (!prevented) finish(0);
  },
  exit(code) {
    report.order.push(`exit:${code}`);
    finish(code);
  },
  getPath: () => require('node:os').tmpdir(),
});

let finished = false;
function finish(code) {
  if (finished) return;
  finished = true;
  report.exitCode = code;
  process.stdout.write(`FAKE-ELECTRON-REPORT ${JSON.stringify(report)}\n`);
  process.exit(code);
}

let nextWebContentsId = 1;
class FakeWebContents extends EventEmitter {
  constructor() {
    super();
    this.id = nextWebContentsId++;
    this.url = '';
    this.mainFrame = { processId: 7, routingId: 1, url: '', origin: 'null', parent: null, detached: false };
    this.posted = [];
    this.windowOpenHandler = null;
  }
  getURL() {
    return this.url;
  }
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
  postMessage(channel, message, ports) {
    this.posted.push({ channel, message, ports: ports ?? [] });
  }
}

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    this.destroyed = false;
    report.windows.push({ options });
    app.emit('web-contents-created', {}, this.webContents);
    fake.lastWindow = this;
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  show() {}
  loadURL(url) {
    report.windows[report.windows.length - 1].loadedUrl = url;
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    this.webContents.mainFrame.origin = new URL(url).protocol === 'app:' ? 'app://drover' : new URL(url).origin;
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
}

const fake = {
  app,
  BrowserWindow,
  MessageChannelMain,
  ipcMain: {
    on(channel, handler) {
      ipcHandlers.set(channel, handler);
    },
  },
  protocol: {
    registerSchemesAsPrivileged(schemes) {
      report.order.push('registerSchemesAsPrivileged');
      report.schemes = schemes;
      if (!ready) report.schemesRegisteredBeforeReady = true;
    },
    handle(scheme, handler) {
      if (!ready) report.errors.push('protocol.handle called before ready');
      protocolHandlers.set(scheme, handler);
    },
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (h) => (sessionHandlers.request = h),
      setPermissionCheckHandler: (h) => (sessionHandlers.check = h),
      setDevicePermissionHandler: (h) => (sessionHandlers.device = h),
    },
  },
  shell: {
    openExternal(url) {
      report.openExternal.push(url);
      return Promise.resolve();
    },
  },
  dialog: {
    showErrorBox(title, content) {
      report.errorBoxes.push({ title, content });
    },
  },
  safeStorage: {
    isEncryptionAvailable: () => false,
    encryptString: () => {
      throw new Error('no safeStorage in the fake');
    },
    decryptString: () => {
      throw new Error('no safeStorage in the fake');
    },
    getSelectedStorageBackend: () => 'basic_text',
  },
  lastWindow: null,
};

const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === 'electron') return fake;
  return originalLoad.call(this, request, parent, isMain);
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs = 5000) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const v = fn();
    if (v) return v;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function sendHello(sender, senderFrame) {
  const handler = ipcHandlers.get('drover:hello');
  if (!handler) throw new Error('no ipcMain handler for drover:hello');
  handler({ sender, senderFrame, ports: [], frameId: senderFrame ? senderFrame.routingId : 0, processId: 7 });
}

/** Reads frames from the page's end of a port until predicate matches. */
function frameReader(port) {
  const frames = [];
  port.on('message', (e) => frames.push(JSON.parse(e.data)));
  return frames;
}

async function scenario() {
  // Let main.cjs finish its synchronous setup, then become ready.
  await sleep(20);
  ready = true;
  report.order.push('ready');
  app.emit('ready', {}, {});
  resolveReady();

  const win = await until('the window', () => fake.lastWindow, 5000);
  await until('loadURL', () => report.windows[0].loadedUrl);
  const wc = win.webContents;

  // Permissions.
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
    let granted = 'no answer';
    sessionHandlers.request?.(wc, p, (g) => (granted = g), {});
    report.permission[`request:${p}`] = granted;
    report.permission[`check:${p}`] = sessionHandlers.check ? sessionHandlers.check(wc, p, 'app://drover', {}) : 'no handler';
  }
  report.permission['device:usb'] = sessionHandlers.device ? sessionHandlers.device({ deviceType: 'usb', origin: 'app://drover' }) : 'no handler';

  // The app:// protocol.
  const handler = protocolHandlers.get('app');
  report.protocol.registered = Boolean(handler);
  if (handler) {
    const probe = async (url) => {
      const res = await handler(new Request(url));
      return { status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy') };
    };
    report.protocol.index = await probe('app://drover/index.html');
    report.protocol.traversal = await probe('app://drover/..%2F..%2Fpackage.json');
    report.protocol.otherHost = await probe('app://evil/index.html');
  }

  // Handshake: a foreign webContents, a subframe, a foreign origin — all refused.
  const foreign = new FakeWebContents();
  sendHello(foreign, { ...foreign.mainFrame, url: 'app://drover/index.html', origin: 'app://drover' });
  sendHello(wc, { processId: 7, routingId: 2, url: 'app://drover/index.html', origin: 'app://drover', parent: wc.mainFrame, detached: false });
  sendHello(wc, { ...wc.mainFrame, url: 'https://evil.example/', origin: 'https://evil.example' });
  sendHello(wc, null);
  await sleep(20);
  report.handshake.postedAfterRefusals = wc.posted.length + foreign.posted.length;

  // A valid hello: a port arrives; ping over it.
  sendHello(wc, wc.mainFrame);
  await until('the first port', () => wc.posted.length === 1);
  const first = wc.posted[0];
  report.handshake.channel = first.channel;
  report.handshake.portCount = first.ports.length;
  const port1 = first.ports[0];
  const frames1 = frameReader(port1);
  port1.start();
  port1.postMessage(JSON.stringify({ t: 'req', id: 1, m: 'system.ping', p: { echo: 'over the port' } }));
  port1.postMessage(JSON.stringify({ t: 'sub', id: 2, m: 'system.heartbeat', p: { intervalMs: 50 } }));
  await until('ping reply', () => frames1.find((f) => f.t === 'res' && f.id === 1));
  await until('a heartbeat', () => frames1.find((f) => f.t === 'ev' && f.id === 2));
  report.handshake.hello = frames1.find((f) => f.t === 'hello') ?? null;
  report.handshake.ping = frames1.find((f) => f.t === 'res' && f.id === 1);

  // The page reloads and asks again: a fresh port; the old one is closed (and its heartbeat freed).
  sendHello(wc, wc.mainFrame);
  await until('the second port', () => wc.posted.length === 2);
  await until('the first port to close', () => port1.closed, 2000).catch(() => undefined);
  report.handshake.firstPortClosedOnReconnect = port1.closed;
  const port2 = wc.posted[1].ports[0];
  const frames2 = frameReader(port2);
  port2.start();
  port2.postMessage(JSON.stringify({ t: 'req', id: 1, m: 'system.ping', p: { echo: 'again' } }));
  await until('second ping reply', () => frames2.find((f) => f.t === 'res' && f.id === 1));
  report.handshake.secondPing = frames2.find((f) => f.t === 'res' && f.id === 1);

  // Navigation, redirects, window.open, webviews.
  const navEvent = (url) => {
    const ev = { url, isMainFrame: true, isSameDocument: false, frame: wc.mainFrame, prevented: false };
    ev.preventDefault = () => (ev.prevented = true);
    return ev;
  };
  for (const [name, url] of [
    ['external', 'https://evil.example/'],
    ['otherAppPage', 'app://drover/other.html'],
    ['file', 'file:///etc/passwd'],
    ['same', 'app://drover/index.html'],
  ]) {
    const ev = navEvent(url);
    wc.emit('will-navigate', ev, url);
    report.navigation[`navigate:${name}`] = ev.prevented ? 'blocked' : 'allowed';
    const rv = navEvent(url);
    wc.emit('will-redirect', rv, url);
    report.navigation[`redirect:${name}`] = rv.prevented ? 'blocked' : 'allowed';
  }
  const webview = { prevented: false, preventDefault() { this.prevented = true; } };
  wc.emit('will-attach-webview', webview, {}, { src: 'https://evil.example/' });
  report.navigation.webview = webview.prevented ? 'blocked' : 'allowed';
  report.navigation.windowOpenHttps = wc.windowOpenHandler?.({ url: 'https://example.com/docs', frameName: '', features: '', disposition: 'new-window' });
  report.navigation.windowOpenFile = wc.windowOpenHandler?.({ url: 'file:///etc/passwd', frameName: '', features: '', disposition: 'new-window' });
  report.navigation.windowOpenJs = wc.windowOpenHandler?.({ url: 'javascript:alert(1)', frameName: '', features: '', disposition: 'new-window' });
  await sleep(10);

  // Quit: the window closes, then will-quit; main disposes services and calls app.exit().
  win.destroyed = true;
  win.emit('closed');
  await sleep(20);
  report.handshake.secondPortClosedOnWindowClose = port2.closed;
  app.quit();
  await sleep(3000);
  report.errors.push('app.exit() was not called within 3 s of quit');
  finish(99);
}

process.on('exit', () => {
  if (!finished) process.stdout.write(`FAKE-ELECTRON-REPORT ${JSON.stringify({ ...report, exitCode: 'process exited without app.exit' })}\n`);
});

scenario().catch((err) => {
  report.errors.push(String(err && err.stack ? err.stack : err));
  finish(98);
});
