// A minimal Chrome DevTools Protocol driver for the terminal benchmark: launches Chromium headless
// and evaluates code in a page without Playwright's instrumentation. Playwright enables the Network
// domain on every page, so Chromium copies every WebSocket frame into a DevTools event
// (Network.webSocketFrameReceived) and ships it to the driver: for a 100 MB stream through the
// page's WebSocket that is the benchmark measuring itself. This driver only uses Target, Runtime
// and Input, so the page's WebSocket carries nothing extra.
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { registerCleanup } from '../../harness/index';

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class CdpBrowser {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  private readonly forget: () => void;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly ws: WebSocket,
  ) {
    // /usr/bin/chromium is a shell script that starts the browser as its child: the whole process
    // group goes, also when the benchmark dies (the harness's exit hooks).
    this.forget = registerCleanup({ name: 'chromium (bench)', cleanup: () => this.killGroup(), cleanupSync: () => this.killGroup() });
    ws.on('message', (raw: Buffer) => {
      const msg = JSON.parse(raw.toString('utf8')) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    });
  }

  static async launch(executable: string, args: readonly string[], userDataDir: string): Promise<CdpBrowser> {
    // As Playwright launches it: pages in the background are not throttled.
    const noThrottling = ['--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding'];
    const flags = [...args, ...noThrottling, '--headless', '--disable-breakpad', '--disable-crash-reporter', '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`];
    const proc = spawn(executable, [...flags, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools URL within 20 s:\n${err}`)), 20_000);
      proc.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.on('exit', (code) => reject(new Error(`Chromium exited (${code}):\n${err}`)));
    }).catch((e: unknown) => {
      if (proc.pid) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {}
      }
      throw e;
    });
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new CdpBrowser(proc, ws);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  async newPage(url: string, viewport: { width: number; height: number }): Promise<CdpPage> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new CdpPage(this, sessionId);
    await page.send('Page.enable');
    // tsx keeps function names through a __name() helper that evaluated functions carry along.
    await page.send('Page.addScriptToEvaluateOnNewDocument', { source: 'globalThis.__name = (f) => f;' });
    await page.send('Emulation.setDeviceMetricsOverride', { width: viewport.width, height: viewport.height, deviceScaleFactor: 1, mobile: false });
    await page.send('Page.navigate', { url });
    return page;
  }

  private killGroup(): void {
    if (!this.proc.pid) return;
    try {
      process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
    } catch {}
    this.ws.close();
    await new Promise((r) => setTimeout(r, 200));
    this.killGroup();
    this.forget();
  }
}

export class CdpPage {
  constructor(
    private readonly browser: CdpBrowser,
    readonly sessionId: string,
  ) {}

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId);
  }

  /** Evaluates `fn(arg)` in the page (awaiting a promise it returns); arg and result go as JSON. */
  async evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    const expression = `(${fn.toString()})(${JSON.stringify(arg ?? null)})`;
    const r = await this.send<{ result: { value?: R }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as R;
  }

  async waitFor<A>(fn: (arg: A) => boolean, arg?: A, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (await this.evaluate(fn, arg)) return;
      } catch {
        /* the page is still loading */
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn.toString().slice(0, 120)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A key press as the keyboard makes it: keydown (with text), keyup. */
  async press(key: string, code: string, keyCode: number, text?: string, modifiers = 0): Promise<void> {
    await this.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code, windowsVirtualKeyCode: keyCode, modifiers, ...(text ? { text, unmodifiedText: text } : {}) });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, windowsVirtualKeyCode: keyCode, modifiers });
  }
}
