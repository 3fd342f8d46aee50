import { spawn, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinary, getFreePort, makeTempDir, type TempDir } from '../harness/index';

// Corrupt files in a config directory Drover cannot write: every store falls back to defaults,
// read-only, with a notice printed on stderr; nothing exits with EACCES. Runs drover as the
// unprivileged user `nobody` (root would be allowed to write anyway).

const root = path.resolve(__dirname, '../..');
let tmp: TempDir;
let configDir: string;
let home: string;

function asNobody(args: string[]): string[] {
  return ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, path.join(root, 'bin/drover.mjs'), ...args];
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root to run drover as the user nobody (setpriv)');
  await ensureBinary('setpriv', 'util-linux');
  tmp = await makeTempDir('drover-faults-');
  await chmod(tmp.path, 0o755);
  configDir = path.join(tmp.path, 'config');
  home = path.join(tmp.path, 'home');
  await mkdir(configDir, { mode: 0o755 });
  await mkdir(home);
  await chown(home, Number(spawnSync('id', ['-u', 'nobody']).stdout.toString()), Number(spawnSync('id', ['-g', 'nobody']).stdout.toString()));
  await writeFile(path.join(configDir, 'settings.json'), '{"version": 1, "ui": ', { mode: 0o644 });
  await writeFile(path.join(configDir, 'tunnels.json'), '{"version": 1, "profiles": [', { mode: 0o644 });
});

afterAll(async () => {
  await tmp?.remove();
});

const env = () => ({ ...process.env, HOME: home, XDG_CONFIG_HOME: '', DROVER_NO_REEXEC: '1', TSX_TSCONFIG_PATH: '', TMPDIR: home });

describe('start-up with corrupt files in a read-only config dir', () => {
  it('drover tunnel list: exit 0, no profiles, a notice per file on stderr, nothing renamed', async () => {
    const run = spawnSync('setpriv', asNobody(['tunnel', 'list', '--config-dir', configDir]), { cwd: root, env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/settings\.json is not valid JSON.*could not be moved aside \(EACCES\)/);
    expect(run.stderr).toMatch(/tunnels\.json is not valid JSON.*could not be moved aside \(EACCES\)/);
    expect(run.stderr).not.toMatch(/^drover: /m); // no fatal error line
    expect((await readdir(configDir)).sort()).toEqual(['settings.json', 'tunnels.json']);
  });

  it('drover serve: serves anyway (read-only), says why on stderr, stops on SIGTERM', async () => {
    const port = await getFreePort();
    const child = spawn('setpriv', asNobody(['serve', '--port', String(port), '--config-dir', configDir]), { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    while (!/Drover web UI: /.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(err).toMatch(/tunnels\.json.*could not be moved aside \(EACCES\)/);
    expect(err).toMatch(/settings\.json.*could not be moved aside \(EACCES\)/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
