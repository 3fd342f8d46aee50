/**
 * The preload of Drover's window. It runs sandboxed and context-isolated, exposes NOTHING to the
 * page (no contextBridge, no ipcRenderer), and does one job: forward a MessagePort from the main
 * process to the page.
 *
 *   page     window.postMessage('drover:want-port', '*')
 *   preload  (message from its own window, page on app://drover) → ipcRenderer.send('drover:hello')
 *   main     validates the sender, creates a MessageChannelMain, serves port1,
 *            webContents.postMessage('drover:port', null, [port2])
 *   preload  window.postMessage('drover:port', location.origin, [port2])
 *   page     takes event.ports[0] and speaks JSON text frames on it
 *
 * Bundled to CommonJS (dist/electron/preload.cjs); a sandboxed preload may only require 'electron'.
 * Channel names are repeated here on purpose: importing window-security.ts would pull the CSP
 * module into this bundle; test/unit/electron-security.test.ts checks they match.
 */
import { ipcRenderer } from 'electron';

const WANT_PORT = 'drover:want-port';
const HELLO = 'drover:hello';
const PORT = 'drover:port';

function isOurPage(): boolean {
  return window.location.protocol === 'app:' && window.location.host === 'drover';
}

/** Our own origin when it is a usable postMessage target; app:// is a standard scheme, so it is. */
function targetOrigin(): string {
  const origin = window.location.origin;
  return origin && origin !== 'null' ? origin : '*';
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only the page itself (not an iframe, not another window) may ask, and only on app://drover.
  if (event.source !== window || event.data !== WANT_PORT) return;
  if (!isOurPage()) return;
  ipcRenderer.send(HELLO);
});

ipcRenderer.on(PORT, (event) => {
  const port = event.ports[0];
  if (event.ports.length !== 1 || !port || !isOurPage()) {
    for (const p of event.ports) p.close();
    return;
  }
  try {
    window.postMessage(PORT, targetOrigin(), [port]);
  } catch {
    // A target origin the browser would not parse: same window, so '*' reaches the same page.
    window.postMessage(PORT, '*', [port]);
  }
});
