import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinerSnapshotSchema, type MinerSnapshot } from '../../main/contract/miners';
import { CliMinerSource, type CliExec } from '../../main/miners/cli/cli-miner-source';
import { cliSnapshot, type CliOutputs } from '../../main/miners/cli/cli-snapshot';
import { LOTUS_CLI_SUBCOMMANDS, type CliCommandName } from '../../main/miners/cli/lotus-cli-commands';
import { rpcSnapshot } from '../../main/miners/rpc/rpc-snapshot';
import type { Ssh2Connection } from '../../main/ssh/ssh-connection';
import { fakeLotusCaller } from '../fixtures/lotus/fake-lotus-caller';
import { createFakeLotusFarm } from '../fixtures/lotus/fake-lotus-server';
import { snapshotDisagreements } from '../fixtures/lotus/snapshot-agreement';
import { makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';
import { sshStack, type SshStack } from '../support/ssh-stack';

// CLI mode end to end: CliMinerSource runs lotus-miner commands over a real OpenSSH sshd (the
// harness's, on 127.0.0.1) through Ssh2Connection.exec(argv). lotus-miner is the fixture
// test/fixtures/lotus/fake-lotus-miner, put on the PATH through a wrapper dir and `env PATH=…`.

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lotus');
const raw = (name: string) => readFileSync(path.join(FIX, 'raw', name), 'utf8');
const ALL: CliCommandName[] = ['info', 'sealingWorkers', 'provingWorkers', 'sealingJobs', 'storageList', 'provingInfo', 'provingDeadlines', 'sectorsList'];
const FILE_OF: Record<CliCommandName, string> = {
  info: 'info', sealingWorkers: 'sealing-workers', provingWorkers: 'proving-workers', sealingJobs: 'sealing-jobs',
  storageList: 'storage-list', provingInfo: 'proving-info', provingDeadlines: 'proving-deadlines', sectorsList: 'sectors-list',
};

let sshd: SshdHandle;
let tmp: TempDir;
let stack: SshStack;
let conn: Ssh2Connection;
let PATH: string;

const exec: CliExec = async (argv, signal) => {
  const r = await conn.exec(argv, { signal });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
};

function source(env: Record<string, string>, opts: { commands?: CliCommandName[]; timeoutMs?: number } = {}): CliMinerSource {
  return new CliMinerSource({ exec, env: { PATH, ...env }, commands: opts.commands ?? ALL, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
}

/** The snapshot of the same outputs read locally from the fixture files. */
function localSnapshot(farm: 'A' | 'B', nowMs: number): MinerSnapshot {
  const outs: CliOutputs = {};
  for (const name of ALL) {
    let text = '';
    try {
      text = raw(`${FILE_OF[name]}.${farm}.txt`);
    } catch {
      // no sample: the fake prints nothing
    }
    outs[name] = { stdout: text, stderr: '', code: 0 };
  }
  return cliSnapshot(outs, nowMs);
}

function withoutTimes(s: MinerSnapshot) {
  const { source: _s, jobs, ...rest } = s;
  return { ...rest, jobs: Object.fromEntries(Object.entries(jobs).map(([k, j]) => [k, { ...j, startMs: undefined }])) };
}

beforeAll(async () => {
  tmp = await makeTempDir('drover-miners-cli-');
  sshd = await startSshd();
  stack = sshStack(sshd, tmp.path);
  conn = await stack.connection();
  // The wrapper dir: only `lotus-miner` (a symlink to the fixture) and node's own directory go on the PATH.
  symlinkSync(path.join(FIX, 'fake-lotus-miner'), path.join(tmp.path, 'lotus-miner'));
  PATH = [tmp.path, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
});

afterAll(async () => {
  stack?.dispose();
  await sshd?.stop();
  await tmp?.remove();
});

describe('CliMinerSource over SSH', () => {
  it('the fake lotus-miner really runs remotely with the PATH from the argv', async () => {
    const r = await conn.exec(['env', `PATH=${PATH}`, 'lotus-miner', ...LOTUS_CLI_SUBCOMMANDS.sealingJobs]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(raw('sealing-jobs.A.txt'));
    const bare = await conn.exec(['lotus-miner', 'info']);
    expect(bare.code).toBe(127); // not installed on this "host": only the wrapper dir has it
  });

  it('sample A: every command, run concurrently, gives the same snapshot as the local files, and agrees with the API snapshot', async () => {
    const src = source({ FAKE_LOTUS_SAMPLE: 'A' });
    const t0 = performance.now();
    const s = await src.poll();
    const ms = performance.now() - t0;
    expect(MinerSnapshotSchema.safeParse(s).success).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.source.kind).toBe('cli');
    expect(withoutTimes(s)).toEqual(withoutTimes(localSnapshot('A', s.source.takenAtMs)));
    expect(Object.keys(s.sectors!)).toHaveLength(414);
    expect(s.overview.proving?.deadlines).toHaveLength(48);
    // Against the API snapshot of the same farm at the time the CLI samples were taken.
    const farm = createFakeLotusFarm('A');
    const api = await rpcSnapshot(fakeLotusCaller(farm, 'miner'), fakeLotusCaller(farm, 'full'), farm.nowMs);
    const cliAtSampleTime = localSnapshot('A', farm.nowMs);
    expect(snapshotDisagreements(api, cliAtSampleTime)).toEqual([]);
    console.log(`CliMinerSource.poll over SSH, ${ALL.length} commands: ${ms.toFixed(0)} ms`);
    src.dispose();
  });

  it('sample B and the PTY (ANSI) captures parse to the same data', async () => {
    const plain = await source({ FAKE_LOTUS_SAMPLE: 'B' }).poll();
    const ansi = await source({ FAKE_LOTUS_SAMPLE: 'B', FAKE_LOTUS_ANSI: '1' }).poll();
    expect(plain.problems).toEqual([]);
    expect(Object.keys(plain.workers)).toHaveLength(13);
    expect(Object.keys(plain.jobs)).toHaveLength(57);
    expect(plain.overview.sectors.faulty).toBe(12);
    expect(ansi.raw!['lotus-miner info']).toBe(raw('info.B.txt'));
    expect(withoutTimes({ ...ansi, raw: undefined })).toEqual(withoutTimes({ ...plain, raw: undefined }));
  });

  it('runs the commands concurrently', async () => {
    const src = source({ FAKE_LOTUS_SAMPLE: 'A', FAKE_LOTUS_DELAY_MS: '1200' }, { commands: ['info', 'sealingWorkers', 'provingWorkers', 'sealingJobs', 'storageList', 'provingInfo'] });
    const t0 = performance.now();
    const s = await src.poll();
    const ms = performance.now() - t0;
    expect(s.problems).toEqual([]);
    // six commands of 1.2 s each: sequentially at least 7.2 s
    expect(ms).toBeLessThan(4500);
    console.log(`6 commands of 1.2 s each over one SSH connection: ${ms.toFixed(0)} ms`);
  });

  it('keeps partial results and problems when one command fails', async () => {
    const s = await source({ FAKE_LOTUS_SAMPLE: 'A', FAKE_LOTUS_FAIL: 'sealing jobs,storage list' }).poll();
    expect(s.jobs).toEqual({});
    expect(s.storage).toBeUndefined();
    expect(Object.keys(s.workers)).toHaveLength(2);
    expect(s.overview.balances.miner?.text).toBe('160.797 FIL');
    expect(s.problems).toEqual([
      expect.objectContaining({ source: 'lotus-miner sealing jobs', code: 'UNAVAILABLE', message: expect.stringMatching(/exited with 1: ERROR: getting worker jobs/), hint: expect.stringMatching(/MINER_API_INFO/) }),
      expect.objectContaining({ source: 'lotus-miner storage list', code: 'UNAVAILABLE' }),
    ]);
  });

  it('a command that times out becomes a TIMEOUT problem; when nothing answers poll rejects', async () => {
    const slowJobs = new CliMinerSource({
      // Generous: a loaded 2-core machine takes a while to start the fake lotus-miner over SSH.
      exec: (argv, signal) => (argv.includes('jobs') ? exec(['env', `PATH=${PATH}`, 'FAKE_LOTUS_DELAY_MS=8000', ...argv.slice(argv.indexOf('lotus-miner'))], signal) : exec(argv, signal)),
      env: { PATH },
      commands: ['info', 'sealingJobs'],
      timeoutMs: 3000,
    });
    const t0 = Date.now();
    const s = await slowJobs.poll();
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(s.problems).toEqual([expect.objectContaining({ source: 'lotus-miner sealing jobs', code: 'TIMEOUT' })]);
    expect(s.overview.minerId).toBe('f03150672');
    await expect(source({ FAKE_LOTUS_DELAY_MS: '8000' }, { commands: ['info'], timeoutMs: 1000 }).poll()).rejects.toMatchObject({ code: 'TIMEOUT' });
    const missing = new CliMinerSource({ exec, env: { PATH: '/usr/bin:/bin' }, commands: ['info', 'sealingJobs'] });
    await expect(missing.poll()).rejects.toMatchObject({ code: 'NOT_FOUND', hint: expect.stringMatching(/not on the PATH/) });
  });

  it('cancels a poll', async () => {
    const src = source({ FAKE_LOTUS_DELAY_MS: '3000' }, { commands: ['info', 'sealingJobs'] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = Date.now();
    await expect(src.poll(ac.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('aborts a job with `lotus-miner sealing abort <id>`', async () => {
    const src = source({ FAKE_LOTUS_SAMPLE: 'A' });
    const s = await src.poll();
    await expect(src.abortJob(s.jobs.a2144e70!)).resolves.toBeUndefined();
    await expect(src.abortJob({ id: 'deadbeef', sector: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(src.abortJob(s.jobs['d8e59e78:409:PC2']!)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('an unknown lotus-miner command fails like urfave/cli does', async () => {
    const r = await exec(['env', `PATH=${PATH}`, 'lotus-miner', 'no', 'such'], AbortSignal.timeout(10_000));
    expect(r).toMatchObject({ code: 3, stdout: '', stderr: "No help topic for 'no such'\n" });
  });
});
