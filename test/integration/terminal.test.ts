import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerminalOutput } from '../../main/contract/terminal';
import { TerminalManager } from '../../main/terminal/terminal-manager';
import { DEFAULT_FLOW } from '../../main/terminal/terminal-session';
import { isPidAlive, makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';
import { sshStack, type SshStack } from '../support/ssh-stack';

// Terminals over a real pty (node-pty) and a real sshd shell channel.

let sshd: SshdHandle;
let tmp: TempDir;
let stack: SshStack;
let manager: TerminalManager;

beforeAll(async () => {
  tmp = await makeTempDir('drover-term-');
  sshd = await startSshd();
  stack = sshStack(sshd, tmp.path);
  manager = new TerminalManager({ pool: stack.pool, env: { ...process.env, SHELL: '/bin/bash', PS1: '$ ' }, orphanTimeoutMs: 60_000 });
});

afterAll(async () => {
  manager?.dispose();
  stack?.dispose();
  await sshd?.stop();
  await tmp?.remove();
});

/** Attaches, acknowledging everything at once (like xterm.js after parsing), and collects output. */
function collect(id: string, opts: { ack?: boolean } = {}) {
  let text = '';
  const events: TerminalOutput[] = [];
  const waiters: Array<{ re: RegExp; resolve: (s: string) => void }> = [];
  const sub = manager.attach(id, (e) => {
    events.push(e);
    if (e.kind === 'data') {
      text += e.data;
      if (opts.ack !== false) manager.ack(id, e.data.length);
    }
    for (const w of [...waiters]) {
      const m = w.re.exec(text);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  });
  return {
    events,
    get text() {
      return text;
    },
    waitFor(re: RegExp, ms = 10_000): Promise<string> {
      const m = re.exec(text);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`timed out waiting for ${re} in ${JSON.stringify(text.slice(-300))}`)), ms);
      });
    },
    dispose: () => sub.dispose(),
  };
}

describe('local terminal (node-pty)', () => {
  it('runs the login shell with TERM=xterm-256color, echoes a marker, and follows resizes', async () => {
    const s = await manager.open({ kind: 'local' }, 100, 30);
    expect(s.pid).toBeGreaterThan(0);
    const out = collect(s.id);
    const marker = randomBytes(6).toString('hex');
    manager.write(s.id, `echo "M-$TERM-${marker}"\r`);
    await out.waitFor(new RegExp(`M-xterm-256color-${marker}`));
    manager.write(s.id, 'stty size\r');
    await out.waitFor(/\b30 100\b/);
    manager.resize(s.id, 132, 43);
    manager.write(s.id, 'stty size\r');
    await out.waitFor(/\b43 132\b/);
    out.dispose();
    manager.close(s.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(isPidAlive(s.pid!)).toBe(false);
  });

  it('pauses a flood when the renderer does not acknowledge, resumes on ack, and Ctrl-C stops it quickly', async () => {
    const s = await manager.open({ kind: 'local' }, 80, 24);
    const out = collect(s.id, { ack: false });
    manager.write(s.id, 'yes DROVER-FLOOD\r');
    await out.waitFor(/DROVER-FLOOD\r?\nDROVER-FLOOD/);
    await new Promise((r) => setTimeout(r, 1000));
    const len1 = out.text.length;
    await new Promise((r) => setTimeout(r, 500));
    const len2 = out.text.length;
    // Paused: nothing more arrives, and what arrived is bounded by the high watermark (+ one read).
    expect(len2).toBe(len1);
    expect(len1).toBeLessThan(DEFAULT_FLOW.highWatermarkChars + 256 * 1024);
    manager.ack(s.id, len2);
    await new Promise((r) => setTimeout(r, 300));
    expect(out.text.length).toBeGreaterThan(len2);
    manager.ack(s.id, out.text.length);
    // Ctrl-C: output stops quickly (acknowledging everything from now on).
    out.dispose();
    const live = collect(s.id);
    const t0 = Date.now();
    manager.write(s.id, '\x03');
    manager.write(s.id, 'echo STOPPED-$((40+2))\r');
    await live.waitFor(/STOPPED-42/, 10_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
    live.dispose();
    manager.close(s.id);
  });

  it('reports the exit of the shell with its code', async () => {
    const s = await manager.open({ kind: 'local' }, 80, 24);
    const out = collect(s.id);
    manager.write(s.id, 'exit 7\r');
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (out.events.some((e) => e.kind === 'state' && e.session.state === 'exited')) {
          clearInterval(t);
          resolve();
        }
      }, 50);
    });
    const last = out.events.filter((e) => e.kind === 'state').pop();
    expect(last).toMatchObject({ session: { state: 'exited', exitCode: 7 } });
    out.dispose();
    manager.close(s.id);
  });
});

describe('SSH terminal', () => {
  it('opens a shell on the host with the right pty size, echoes a marker, and closes the channel', async () => {
    const s = await manager.open({ kind: 'ssh', target: { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false }, jumps: [] }, 90, 20);
    const out = collect(s.id);
    const marker = randomBytes(6).toString('hex');
    manager.write(s.id, `echo "S-$TERM-${marker}"; stty size\n`);
    await out.waitFor(new RegExp(`S-xterm-256color-${marker}`));
    await out.waitFor(/\b20 90\b/);
    manager.resize(s.id, 120, 40);
    manager.write(s.id, 'stty size\n');
    await out.waitFor(/\b40 120\b/);
    out.dispose();
    manager.close(s.id);
    expect(manager.list()).toEqual([]);
    // The pool let go of the connection with the last lease.
    await new Promise((r) => setTimeout(r, 200));
    expect(stack.pool.list()).toEqual([]);
  });

  it('runs one command on several hosts and reports each exit code and output', async () => {
    const hop = { host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFiles: [sshd.clientKeyPath], useAgent: false };
    const results: Array<{ host: string; state: string; exitCode?: number | null; stdout: string; error?: string }> = [];
    await manager.runOnHosts(
      ['sh', '-c', 'echo "out:$1"; exit 3', 'sh', "it's a $test"],
      [{ target: hop, jumps: [] }, { target: { ...hop, port: 1 }, jumps: [] }],
      10,
      (r) => results.push(r),
      new AbortController().signal,
    );
    const done = results.filter((r) => r.state !== 'running');
    expect(done.find((r) => r.host.endsWith(`:${sshd.port}`))).toMatchObject({ state: 'done', exitCode: 3, stdout: "out:it's a $test\n" });
    expect(done.find((r) => r.host.endsWith(':1'))).toMatchObject({ state: 'failed' });
  });
});
