import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, makeTempDir, type TempDir } from '../harness/index';

// `npx drover …` and `npm exec -- drover …` stopped the way a container runtime or systemd stops
// them: the signal goes to npx / npm, which do not pass it on. The re-executed drover must stop
// anyway, free its port and leave no process behind; so must every other way of stopping it.

const root = path.resolve(__dirname, '../..');
let tmp: TempDir;
const started: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('drover-signals-');
});

afterAll(async () => {
  for (const c of started) c.kill('SIGKILL');
  for (const pid of droverPids(tmp.path)) kill(pid, 'SIGKILL');
  await tmp?.remove();
});

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {}
}

/** Every process whose command line or environment names this run's config dir. */
function droverPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(marker) && cmd.includes('drover')) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** The drover node process that re-executed itself (its child is a drover node process too). */
function launcherOf(marker: string): number | undefined {
  const nodes = droverPids(marker).filter((p) => isNode(p));
  return nodes.find((p) => children(p).some((c) => nodes.includes(c)));
}

function isNode(pid: number): boolean {
  try {
    return /(^|\/)node$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!);
  } catch {
    return false;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts drover through a launcher (npx or npm exec) and waits until the port listens. */
async function launch(launcher: 'npx' | 'npm exec', args: string[], port: number, name: string, ownGroup = false) {
  const configDir = path.join(tmp.path, name);
  const argv = launcher === 'npx' ? ['npx', '--no', '--', 'drover', ...args, '--config-dir', configDir] : ['npm', 'exec', '--no', '--', 'drover', ...args, '--config-dir', configDir];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: root,
    env: { ...process.env, DROVER_SECRETS: 'memory', SSH_AUTH_SOCK: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Like a job in a terminal: its own process group, which Ctrl-C signals as a whole.
    detached: ownGroup,
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => listening(port), 60_000, `${launcher} drover ${args[0]} to listen on ${port}:\n${out}`).catch((err: Error) => {
    throw new Error(`${err.message}\n${out}`);
  });
  return { child, configDir, output: () => out };
}

async function expectGone(configDir: string, port: number, output: () => string): Promise<void> {
  await until(async () => !(await listening(port)) && droverPids(configDir).length === 0, 15_000, `drover to stop and free ${port}:\n${output()}`);
}

describe('stopping drover started through npx / npm exec', () => {
  it('npx drover serve: SIGTERM to npx stops it and frees the port', async () => {
    const port = await getFreePort();
    const run = await launch('npx', ['serve', '--port', String(port)], port, 'npx-serve-term');
    expect(droverPids(run.configDir).length).toBeGreaterThanOrEqual(2); // launcher and re-executed child
    run.child.kill('SIGTERM');
    await expectGone(run.configDir, port, run.output);
  });

  it('npm exec drover tunnel up: Ctrl-C (SIGINT to the foreground process group) stops the tunnel and frees its listener', async () => {
    const lport = await getFreePort();
    const dead = await getFreePort(); // no SSH server: the tunnel backs off, its listener stays bound
    const run = await launch('npm exec', ['tunnel', 'up', '--import', `ssh -N -p ${dead} -L 127.0.0.1:${lport}:127.0.0.1:9 nobody@127.0.0.1`], lport, 'npm-tunnel-int', true);
    kill(-run.child.pid!, 'SIGINT');
    await expectGone(run.configDir, lport, run.output);
    expect(run.output()).toMatch(/SIGINT: stopping tunnel/);
  });

  it('npm exec drover tunnel up: SIGTERM to npm stops the tunnel', async () => {
    const lport = await getFreePort();
    const dead = await getFreePort();
    const run = await launch('npm exec', ['tunnel', 'up', '--import', `ssh -N -p ${dead} -L 127.0.0.1:${lport}:127.0.0.1:9 nobody@127.0.0.1`], lport, 'npm-tunnel-term');
    run.child.kill('SIGTERM');
    await expectGone(run.configDir, lport, run.output);
  });

  it('npx killed outright (SIGKILL): the sh npm left behind does not keep drover alive', async () => {
    const port = await getFreePort();
    const run = await launch('npx', ['serve', '--port', String(port)], port, 'npx-killed');
    run.child.kill('SIGKILL');
    await expectGone(run.configDir, port, run.output);
  });

  it('SIGINT to the drover process itself stops it', async () => {
    const port = await getFreePort();
    const run = await launch('npx', ['serve', '--port', String(port)], port, 'npx-serve-int');
    kill(launcherOf(run.configDir)!, 'SIGINT');
    await expectGone(run.configDir, port, run.output);
  });

  it('npm exec drover serve: SIGTERM to npm stops it', async () => {
    const port = await getFreePort();
    const run = await launch('npm exec', ['serve', '--port', String(port)], port, 'npm-serve-term');
    run.child.kill('SIGTERM');
    await expectGone(run.configDir, port, run.output);
  });

  it('SIGTERM to every process at once (a cgroup kill) still shuts down cleanly, once', async () => {
    const port = await getFreePort();
    const run = await launch('npx', ['serve', '--port', String(port)], port, 'npx-serve-group');
    for (const pid of [run.child.pid!, ...droverPids(run.configDir)]) kill(pid, 'SIGTERM');
    await expectGone(run.configDir, port, run.output);
    expect(run.output()).not.toMatch(/again: exiting without cleaning up/);
    expect(run.output()).toMatch(/stopping the web host/);
  });

  it('the launcher killed outright (SIGKILL): the re-executed child stops by itself', async () => {
    const port = await getFreePort();
    const run = await launch('npx', ['serve', '--port', String(port)], port, 'npx-serve-kill');
    const launcher = launcherOf(run.configDir);
    expect(launcher).toBeDefined();
    kill(launcher!, 'SIGKILL');
    await expectGone(run.configDir, port, run.output);
  });
});
