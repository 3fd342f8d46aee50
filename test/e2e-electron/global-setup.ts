// Global setup of the Electron e2e (playwright.electron.config.ts): says loudly when the e2e
// cannot run, otherwise gives it a display (Xvfb on a headless Linux) and fresh bundles.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { displayStatus, electronAvailability, printNotRun, repoRoot } from './electron-available.mjs';

async function startXvfb(): Promise<{ display: string; proc: ChildProcess }> {
  // -displayfd: Xvfb picks a free display number and writes it to fd 3 when ready.
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display within 10 s')), 10_000);
    proc.stdio[3]?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(\d+)\s*\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`:${m[1]}`);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with code ${code}`));
    });
  });
  return { display, proc };
}

export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  // playwright.electron.config.ts already printed "ELECTRON E2E NOT RUN: ..."; the tests skip.
  const electron = electronAvailability();
  if (!electron.ok) return undefined;
  const display = displayStatus();
  if (!display.ok) return undefined;
  let xvfb: ChildProcess | null = null;
  if (display.needsXvfb) {
    try {
      const started = await startXvfb();
      xvfb = started.proc;
      process.env.DISPLAY = started.display; // inherited by the test workers
      console.log(`electron e2e: started Xvfb on ${started.display}`);
    } catch (err) {
      const reason = `no display: DISPLAY is unset and Xvfb did not start (${err instanceof Error ? err.message : String(err)})`;
      process.env.DROVER_ELECTRON_E2E_NOT_RUN = reason; // the spec skips with this reason
      printNotRun(reason);
      return undefined;
    }
  }
  if (!process.env.DROVER_E2E_SKIP_BUILD) {
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), 'renderer', 'electron'], { cwd: repoRoot, stdio: 'inherit' });
  }
  console.log(`electron e2e: running with ${electron.executablePath} (v${electron.version})`);
  return async () => {
    if (xvfb && xvfb.exitCode === null) xvfb.kill('SIGTERM');
  };
}
