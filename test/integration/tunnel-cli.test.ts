import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';

// `drover tunnel up` as a real process: the autossh drop-in.

const root = path.resolve(__dirname, '../..');
let sshd: SshdHandle;
let other: SshdHandle;
let tmp: TempDir;
let echoPort: number;
const children: ChildProcess[] = [];
let echoServer: net.Server;

beforeAll(async () => {
  tmp = await makeTempDir('drover-tcli-');
  [sshd, other] = await Promise.all([startSshd(), startSshd()]);
  echoServer = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echoServer.listen(0, '127.0.0.1', () => r()));
  echoPort = (echoServer.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  echoServer?.close();
  await Promise.all([sshd?.stop(), other?.stop()]);
  await tmp?.remove();
});

function drover(args: string[], configDir: string) {
  const child = spawn(process.execPath, [path.join(root, 'bin/drover.mjs'), ...args, '--config-dir', configDir], {
    cwd: root,
    env: { ...process.env, SSH_AUTH_SOCK: '', DROVER_SECRETS: 'memory' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    get stderr() {
      return err;
    },
    waitFor(re: RegExp, ms = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const t0 = Date.now();
        const tick = setInterval(() => {
          if (re.test(err)) {
            clearInterval(tick);
            resolve();
          } else if (Date.now() - t0 > ms || child.exitCode !== null) {
            clearInterval(tick);
            reject(new Error(`no ${re} in:\n${err}`));
          }
        }, 50);
      });
    },
  };
}

function echo(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(text));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}

describe('drover tunnel up', () => {
  it('runs an autossh command line, logs state changes, and stops cleanly on SIGTERM', async () => {
    const cfg = path.join(tmp.path, 'ok');
    const lport = await getFreePort();
    const line = `autossh -M 0 -o ExitOnForwardFailure=yes -o ServerAliveCountMax=3 -o ServerAliveInterval=10 -NT -i ${sshd.clientKeyPath} -p ${sshd.port} -L 127.0.0.1:${lport}:127.0.0.1:${echoPort} ${sshd.user}@127.0.0.1`;
    const run = drover(['tunnel', 'up', '--import', line, '--accept-new'], cfg);
    await run.waitFor(/tunnel .*: up via/);
    expect(await echo(lport, 'headless')).toBe('headless');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr).toMatch(/SIGTERM: stopping tunnel/);
    expect(run.stderr).toMatch(/forward -L 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+: up/);
  });

  it('an unknown host key stops a headless run at once and names --accept-new', async () => {
    const cfg = path.join(tmp.path, 'unknown-key');
    const lport = await getFreePort();
    const run = drover(['tunnel', 'up', '--import', `ssh -i ${sshd.clientKeyPath} -p ${sshd.port} -L ${lport}:127.0.0.1:${echoPort} ${sshd.user}@127.0.0.1`], cfg);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toMatch(/is not known/);
    expect(run.stderr).toMatch(/--accept-new/);
  });

  it('logs retries as they happen: "retry in N s" is when the next attempt starts, attempts count up', async () => {
    const cfg = path.join(tmp.path, 'retries');
    const [lport, dead] = [await getFreePort(), await getFreePort()];
    const run = drover(['tunnel', 'up', '--import', `ssh -N -p ${dead} -L ${lport}:127.0.0.1:${echoPort} nobody@127.0.0.1`], cfg);
    await run.waitFor(/attempt 5\)/, 30_000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const lines = run.stderr.split('\n').filter((l) => / tunnel [^:]+: (backoff|connecting)/.test(l));
    const at = (l: string) => Date.parse(l.slice(0, 24));
    let checked = 0;
    for (let i = 0; i + 1 < lines.length; i++) {
      const m = /backoff \(retry in ([\d.]+) s, attempt (\d+)\)/.exec(lines[i]!);
      if (!m || !/connecting/.test(lines[i + 1]!)) continue;
      const promised = Number(m[1]) * 1000;
      const actual = at(lines[i + 1]!) - at(lines[i]!);
      expect(Math.abs(actual - promised), `${lines[i]} / ${lines[i + 1]}`).toBeLessThan(1000);
      expect(lines[i + 1]).toContain(`attempt ${m[2]}`);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    const attempts = [...run.stderr.matchAll(/backoff \(retry in [\d.]+ s, attempt (\d+)\)/g)].map((m) => Number(m[1]));
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 4]);
  });

  it('exits non-zero at once when the login is rejected, naming the cause', async () => {
    const cfg = path.join(tmp.path, 'badkey');
    const lport = await getFreePort();
    const run = drover(['tunnel', 'up', '--import', `ssh -i ${sshd.hostKeyPath} -p ${sshd.port} -L ${lport}:127.0.0.1:${echoPort} ${sshd.user}@127.0.0.1`, '--accept-new'], cfg);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toMatch(/failed: .*login rejected/);
    expect(run.stderr).toMatch(/hint: /);
    expect(run.stderr).toMatch(/not retrying/);
  });

  it('exits non-zero when the host key changed, showing both fingerprints', async () => {
    const cfg = path.join(tmp.path, 'changed');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(cfg, { recursive: true });
    await writeFile(path.join(cfg, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${other.hostPublicKey}\n`);
    const lport = await getFreePort();
    const run = drover(['tunnel', 'up', '--import', `ssh -i ${sshd.clientKeyPath} -p ${sshd.port} -L ${lport}:127.0.0.1:${echoPort} ${sshd.user}@127.0.0.1`], cfg);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toContain(sshd.hostKeyFingerprintSha256);
    expect(run.stderr).toContain(other.hostKeyFingerprintSha256);
  });

  it('exits non-zero with "port in use" and makes no SSH attempt when the port is taken', async () => {
    const cfg = path.join(tmp.path, 'taken');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const before = sshd.logs().length;
    const run = drover(['tunnel', 'up', '--import', `ssh -i ${sshd.clientKeyPath} -p ${sshd.port} -L ${taken}:127.0.0.1:${echoPort} ${sshd.user}@127.0.0.1`, '--accept-new'], cfg);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toMatch(/port in use/);
    expect(sshd.logs().slice(before)).not.toMatch(/Connection from 127\.0\.0\.1/);
    blocker.close();
  });
});
