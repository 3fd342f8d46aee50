import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveUpdate } from '../../main/contract/live';
import type { TerminalLiveSession } from '../../main/contract/terminal';
import { TerminalManager } from '../../main/terminal/terminal-manager';
import { makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';
import { sshStack, type SshStack } from '../support/ssh-stack';

// Reattach after a reload (replay buffer, live session list) and "is a job running?" (asked
// before a tab closes), against a real pty and a real sshd.

let sshd: SshdHandle;
let tmp: TempDir;
let stack: SshStack;
let manager: TerminalManager;

beforeAll(async () => {
  tmp = await makeTempDir('drover-term-re-');
  // Debian's and Ubuntu's sshd accept LC_* by default; the harness's accepts nothing unless told.
  sshd = await startSshd({ extraConfig: ['AcceptEnv LANG LC_*'] });
  stack = sshStack(sshd, tmp.path);
  manager = new TerminalManager({ pool: stack.pool, env: { ...process.env, SHELL: '/bin/sh', PS1: '$ ' }, orphanTimeoutMs: 60_000, replayChars: 4096 });
});

afterAll(async () => {
  manager?.dispose();
  stack?.dispose();
  await sshd?.stop();
  await tmp?.remove();
});

function attach(id: string) {
  let text = '';
  const sub = manager.attach(id, (e) => {
    if (e.kind !== 'data') return;
    text += e.data;
    manager.ack(id, e.data.length);
  });
  return {
    get text() {
      return text;
    },
    async waitFor(re: RegExp, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(text.slice(-300))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    dispose: () => sub.dispose(),
  };
}

async function waitBusy(id: string, want: 'yes' | 'no', ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const b = await manager.busy(id);
    if (b.busy === want) return b;
    if (Date.now() > deadline) throw new Error(`busy stayed ${JSON.stringify(b)}, wanted ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('replay buffer and live session list', () => {
  it('a page that attaches again gets the recent output (bounded), then only new output', async () => {
    const s = await manager.open({ kind: 'local' }, 80, 24, { owner: 'page-a' });
    const first = attach(s.id);
    const marker = randomBytes(5).toString('hex');
    manager.write(s.id, `echo "A-${marker}"\r`);
    await first.waitFor(new RegExp(`A-${marker}`));
    first.dispose(); // the page reloads

    // Output while nobody is attached waits (pending), and comes with the attach, not the replay.
    manager.write(s.id, `echo "B-${marker}"\r`);
    await new Promise((r) => setTimeout(r, 300));
    const replay = manager.replay(s.id, 'page-b');
    expect(replay.data).toContain(`A-${marker}`);
    expect(replay.truncated).toBe(false);
    const second = attach(s.id);
    await second.waitFor(new RegExp(`B-${marker}`));
    expect(second.text).not.toContain(`A-${marker}`);
    expect(manager.list().find((x) => x.id === s.id)?.owner).toBe('page-b');

    // Bounded: a flood keeps only the last replayChars, cut at a line break.
    manager.write(s.id, `i=0; while [ $i -lt 400 ]; do echo "line-$i-${marker}"; i=$((i+1)); done\r`);
    await second.waitFor(new RegExp(`line-399-${marker}`));
    await new Promise((r) => setTimeout(r, 100));
    const r2 = manager.replay(s.id);
    expect(r2.truncated).toBe(true);
    expect(r2.data.length).toBeLessThanOrEqual(4096);
    expect(r2.data).toContain(`line-399-${marker}`);
    expect(r2.data).not.toContain(`A-${marker}`);
    expect(r2.data).toMatch(/^line-\d+-/);
    second.dispose();
    manager.close(s.id);
  });

  it('publishes sessions on terminal.live: label, owner, attached count, removal', async () => {
    const frames: LiveUpdate[] = [];
    const sub = manager.live.subscribe({ next: (f) => frames.push(f), end: () => undefined, bufferedBytes: () => 0, signal: new AbortController().signal });
    const sessions = (): Record<string, TerminalLiveSession> => {
      let data: Record<string, TerminalLiveSession> = {};
      for (const f of frames) {
        if (f.t === 'snapshot') data = { ...(f.data.sessions as Record<string, TerminalLiveSession>) };
        else {
          const c = f.changes.sessions;
          if (!c) continue;
          for (const [k, v] of Object.entries(c.put ?? {})) data[k] = v as TerminalLiveSession;
          for (const [k, v] of Object.entries(c.patch ?? {})) data[k] = { ...data[k]!, ...(v as object) };
          for (const k of c.remove ?? []) delete data[k];
        }
      }
      return data;
    };
    const until = async (pred: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`live list: ${JSON.stringify(sessions())}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const s = await manager.open({ kind: 'local' }, 80, 24, { owner: 'page-x', label: 'build box' });
    await until(() => sessions()[s.id]?.label === 'build box' && sessions()[s.id]?.attached === 0);
    expect(sessions()[s.id]).toMatchObject({ owner: 'page-x', kind: 'local', target: { kind: 'local' } });
    const a = attach(s.id);
    await until(() => sessions()[s.id]?.attached === 1);
    manager.rename(s.id, 'logs');
    await until(() => sessions()[s.id]?.label === 'logs');
    a.dispose();
    manager.close(s.id);
    await until(() => !(s.id in sessions()));
    sub.dispose();
  });
});

describe('foreground job detection', () => {
  it('local: the shell at its prompt is idle; sleep in the foreground is busy and named', async () => {
    const s = await manager.open({ kind: 'local' }, 80, 24);
    const out = attach(s.id);
    manager.write(s.id, 'echo "re""ady"\r');
    await out.waitFor(/ready/);
    expect((await waitBusy(s.id, 'no')).how).toBe('tpgid');
    manager.write(s.id, 'sleep 30\r');
    const b = await waitBusy(s.id, 'yes');
    expect(b.process).toBe('sleep');
    manager.write(s.id, '\x03');
    await waitBusy(s.id, 'no');
    out.dispose();
    manager.close(s.id);
  });

  it('SSH: found through LC_DROVER_TAB and the remote /proc; sleep is busy, the prompt is not', async () => {
    const s = await manager.open({ kind: 'ssh', target: stack.target, jumps: [] }, 80, 24);
    const out = attach(s.id);
    manager.write(s.id, 'echo "tag=$LC_DROVER_TAB"\r');
    await out.waitFor(new RegExp(`tag=${s.id}`));
    expect((await waitBusy(s.id, 'no')).how).toBe('remote tpgid');
    manager.write(s.id, 'sleep 30\r');
    expect((await waitBusy(s.id, 'yes')).process).toBe('sleep');
    manager.write(s.id, '\x03');
    await waitBusy(s.id, 'no');
    out.dispose();
    manager.close(s.id);
  });
});

describe('run on hosts through the remote shell', () => {
  it('sh -c with the whole line as one quoted argument: ; | and variables work on the host', async () => {
    const results: { state: string; stdout: string; exitCode?: number | null }[] = [];
    const line = `echo "a b" | tr a-z A-Z; x='it''s'; echo "$x done"`;
    await manager.runOnHosts(['sh', '-c', line], [{ target: stack.target, jumps: [] }], 30, (r) => results.push(r), new AbortController().signal);
    const done = results.find((r) => r.state === 'done');
    expect(done).toMatchObject({ exitCode: 0 });
    expect(done!.stdout).toBe('A B\nits done\n');
  });
});
