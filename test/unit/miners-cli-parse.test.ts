import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MinerSnapshotSchema } from '../../main/contract/miners';
import { classifyCliFailure } from '../../main/miners/cli/classify-cli-failure';
import { cliSnapshot, type CliOutputs } from '../../main/miners/cli/cli-snapshot';
import { abortJobArgv, lotusCliArgv, lotusCliCommands, workerSetEnabledArgv, workerTasksArgv, type CliCommandName } from '../../main/miners/cli/lotus-cli-commands';
import { parseMinerInfo } from '../../main/miners/cli/parse-miner-info';
import { parseProvingDeadlines } from '../../main/miners/cli/parse-proving-deadlines';
import { parseProvingInfo } from '../../main/miners/cli/parse-proving-info';
import { parseSealingJobs } from '../../main/miners/cli/parse-sealing-jobs';
import { parseSectorsList } from '../../main/miners/cli/parse-sectors-list';
import { parseStorageList } from '../../main/miners/cli/parse-storage-list';
import { parseWorkers } from '../../main/miners/cli/parse-workers';
import { stripAnsi } from '../../main/miners/cli/strip-ansi';
import { buildCommand } from '../../main/ssh/shell-quote';

const RAW = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/lotus/raw');
const raw = (name: string) => readFileSync(path.join(RAW, name), 'utf8');
/** 2026-03-10 09:30:12 UTC: when the CLI samples were taken. */
const NOW = Date.UTC(2026, 2, 10, 9, 30, 12);

const FILE_OF: Record<CliCommandName, string> = {
  info: 'info',
  sealingWorkers: 'sealing-workers',
  provingWorkers: 'proving-workers',
  sealingJobs: 'sealing-jobs',
  storageList: 'storage-list',
  provingInfo: 'proving-info',
  provingDeadlines: 'proving-deadlines',
  sectorsList: 'sectors-list',
};

function sampleOutputs(farm: 'A' | 'B'): CliOutputs {
  const out: CliOutputs = {};
  for (const [name, file] of Object.entries(FILE_OF) as [CliCommandName, string][]) {
    let text = '';
    try {
      text = raw(`${file}.${farm}.txt`);
    } catch {
      // farm A has no PoSt workers: `proving workers` prints nothing
    }
    out[name] = { stdout: text, stderr: '', code: 0, atMs: NOW };
  }
  return out;
}

describe('lotus-miner info', () => {
  it('reads sample A: miner, power, balances, projections and the Sectors block', () => {
    const r = parseMinerInfo(raw('info.A.txt'));
    expect(r.problems).toEqual([]);
    const o = r.overview;
    expect(o.minerId).toBe('f03150672');
    expect(o.sectorSize).toMatchObject({ bytes: '34359738368', text: '32 GiB' });
    expect(o.subsystems).toEqual(['Mining', 'Sealing', 'SectorStorage']);
    expect(o.startedAtMs).toBe(Date.UTC(2026, 2, 2, 5, 15, 20));
    expect(o.chain).toEqual({ sync: 'ok', syncText: 'sync ok', basefee: { atto: '100', text: '100 aFIL', exact: false } });
    expect(o.power.qualityAdjusted?.text).toBe('23.7 Ti');
    expect(o.power.networkQualityAdjusted?.text).toBe('21.8 Ei');
    expect(o.power.raw).toMatchObject({ text: '12.44 TiB' });
    expect(Number(o.power.raw!.bytes) / 2 ** 40).toBeCloseTo(12.44, 6);
    expect(o.power.networkRaw?.text).toBe('2.741 EiB');
    expect(o.power.rawPercentText).toBe('0.0004');
    expect(o.power.qualityAdjustedPercentText).toBe('0.0001');
    expect(o.power.committed?.text).toBe('12.56 TiB');
    expect(o.power.proving?.text).toBe('12.44 TiB');
    expect(o.power.hasMinPower).toBe(true);
    expect(o.blocks?.winRateText).toBe('0.10/week (every 1610h35m14s)');
    expect(o.blocks?.certainWithinText).toBe('11125h30m53s');
    expect(o.blocks?.expectedPerDay).toBeCloseTo(86400 / (1610 * 3600 + 35 * 60 + 14), 9);
    const b = o.balances;
    expect(b.miner).toEqual({ atto: '160797000000000000000', text: '160.797 FIL', exact: false });
    expect(b.precommitDeposits?.atto).toBe('915202000000000000');
    expect(b.initialPledge?.text).toBe('145.775 FIL');
    expect(b.vesting?.text).toBe('12.381 FIL');
    expect(b.available?.text).toBe('1.726 FIL');
    expect(b.market?.escrow?.text).toBe('1.25 FIL');
    expect(b.market?.locked?.atto).toBe('400000000000000000');
    expect(b.market?.available?.text).toBe('850 mFIL');
    expect(b.worker?.balance?.text).toBe('4.882 FIL');
    expect(b.controlTotal?.text).toBe('12.506 FIL');
    expect(b.totalSpendable?.text).toBe('19.964 FIL');
    expect(b.beneficiary).toBe('f03150670');
    expect(r.states).toEqual({ Proving: 400, AddPiece: 1, PreCommit1: 6, PreCommit2: 1, WaitSeed: 3, Committing: 1, FinalizeSector: 2, Removed: 3 });
    expect(r.statesTotal).toBe(417);
    expect(o.workerKinds).toEqual({ seal: 2, wdpost: 0, winpost: 0 });
  });

  it('reads sample B: alerts, faulty proving, thousands of FIL', () => {
    const r = parseMinerInfo(raw('info.B.txt'));
    expect(r.problems).toEqual([]);
    const o = r.overview;
    expect(o.minerId).toBe('f02099456');
    expect(o.activeAlerts).toBe(1);
    expect(o.startedAtMs).toBe(Date.parse('2026-02-25T14:48:42+08:00'));
    expect(o.power.qualityAdjusted?.text).toBe('3.12 Pi');
    expect(o.power.proving?.text).toBe('581.6 TiB');
    expect(o.power.faulty?.text).toBe('384 GiB');
    expect(o.balances.initialPledge).toMatchObject({ atto: '18925600000000000000000', text: '18925.6 FIL' });
    expect(o.blocks?.winRateText).toBe('14.07/week (every 11h56m13s)');
    expect(r.statesTotal).toBe(18950);
    expect(Object.values(r.states!).reduce((a, b) => a + b, 0)).toBe(18950);
    expect(o.workerKinds).toEqual({ seal: 9, wdpost: 2, winpost: 1 });
  });

  it('reads the PTY captures (ANSI colours, resets at line starts) exactly like the plain output', () => {
    for (const farm of ['A', 'B']) {
      const ansi = raw(`info.${farm}.ansi.txt`);
      expect(ansi).toContain('\x1b[');
      expect(parseMinerInfo(ansi)).toEqual(parseMinerInfo(raw(`info.${farm}.txt`)));
    }
  });

  it('handles "Below minimum power threshold" (no newline of its own) and the 2020 layout', () => {
    const text = [
      'Miner: f01234',
      'Sector Size: 32 GiB',
      'Byte Power:   1.5 TiB / 2.741 EiB (0.0001%)',
      'Actual Power: 1.5 Ti / 21.8 Ei (0.0000%)',
      '\tCommitted: 1.6 TiB',
      '\tProving: 1.5 TiB',
      'Below minimum power threshold, no blocks will be won',
      'Deals: 0, 0 B',
      '\tActive: 0, 0 B (Verified: 0, 0 B)',
      '',
      'Miner Balance: 123.4 FIL',
      '\tPreCommit:   1 FIL',
      '\tPledge:      10 FIL',
      '\tLocked:      5 FIL',
      '\tAvailable:   107.4 FIL',
      'Worker Balance: 10 FIL',
      'Market (Escrow):  0 FIL',
      'Market (Locked):  0',
      '',
      'Sectors:',
      '\tTotal: 50',
      '\tProving: 48',
      '\tSealPreCommit1Failed: 2',
    ].join('\n');
    const r = parseMinerInfo(text);
    expect(r.problems).toEqual([]);
    expect(r.overview.sectorSize?.text).toBe('32 GiB');
    expect(r.overview.power.raw?.text).toBe('1.5 TiB');
    expect(r.overview.power.qualityAdjusted?.text).toBe('1.5 Ti');
    expect(r.overview.power.hasMinPower).toBe(false);
    expect(r.overview.balances.vesting?.text).toBe('5 FIL');
    expect(r.overview.balances.market?.escrow?.text).toBe('0 FIL');
    expect(r.overview.balances.market?.locked?.atto).toBe('0');
    expect(r.states).toEqual({ Proving: 48, SealPreCommit1Failed: 2 });
  });

  it('keeps unknown units and unknown lines as problems, and unknown sector states', () => {
    const r = parseMinerInfo('Miner: f01 (32 QiB sectors)\nMiner Balance:    3 kFIL\nSomething new: 42\nSectors:\n\tTotal: 5\n\tBrandNewState: 5\n');
    expect(r.overview.sectorSize).toEqual({ text: '32 QiB', exact: false });
    expect(r.overview.balances.miner).toEqual({ text: '3 kFIL', exact: false });
    expect(r.states).toEqual({ BrandNewState: 5 });
    expect(r.problems.map((p) => p.message)).toEqual(['unknown size unit in "32 QiB"', 'unknown FIL unit in "3 kFIL"', 'unrecognised line']);
    expect(r.problems[2]).toMatchObject({ source: 'lotus-miner info', raw: 'Something new: 42', line: 3 });
  });
});

describe('lotus-miner sealing workers / proving workers', () => {
  it('reads sample A: ids, hosts, TASK counts, CPU, RAM, VMEM, GPU', () => {
    const r = parseWorkers(raw('sealing-workers.A.txt'));
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.workers)).toEqual(['7c64801e-e8e4-43e9-a572-7dbc4b835be0', 'd8e59e78-1fa5-4913-a50a-3a8e04700ccf']);
    const seal = r.workers['d8e59e78-1fa5-4913-a50a-3a8e04700ccf']!;
    expect(seal).toMatchObject({ idShort: 'd8e59e78', hostname: 'fil-seal-01', kind: 'sealing', enabled: true, state: 'ok', cpu: { cores: 128, inUse: 13 } });
    expect(seal.gpu).toEqual({ count: 1, names: ['NVIDIA GeForce RTX 3090'], used: 1, usedText: '1.00/1' });
    expect(seal.memory).toMatchObject({ ramPercent: 41, ramText: '41% 788.4 GiB/1008 GiB', vmemPercent: 50, vmemText: '50% 539 GiB/1.046 TiB' });
    expect(seal.memory.physicalBytes).toBe(1008 * 2 ** 30);
    expect(seal.taskCounts).toEqual({
      FIN: { short: 'FIN', task: 'seal/v0/finalize', running: 1, pending: 0 },
      C2: { short: 'C2', task: 'seal/v0/commit/2', running: 1, pending: 0 },
      PC1: { short: 'PC1', task: 'seal/v0/precommit/1', running: 6, pending: 0 },
      AP: { short: 'AP', task: 'seal/v0/addpiece', running: 1, pending: 0 },
    });
    const miner = r.workers['7c64801e-e8e4-43e9-a572-7dbc4b835be0']!;
    expect(miner.gpu).toEqual({ count: 0, names: [] });
    expect(miner.memory.swapBytes).toBe(8 * 2 ** 30);
  });

  it('reads sample B: MaxConcurrent limits, a disabled worker, two GPUs', () => {
    const r = parseWorkers(raw('sealing-workers.B.txt'));
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.workers)).toHaveLength(10);
    expect(r.workers['4abab0dd-7737-4431-8f4e-11c672df5bd7']!.taskCounts.PC1).toEqual({ short: 'PC1', task: 'seal/v0/precommit/1', running: 7, pending: 0, max: 14 });
    expect(r.workers['ae327227-fa1d-4740-9599-b1dcded205f3']).toMatchObject({ hostname: 'fil-miner-b', enabled: false, state: 'disabled', taskCounts: {} });
    expect(r.workers['f928632a-3c73-4d15-ad18-00e92f1da44c']!.gpu).toEqual({ count: 2, names: ['NVIDIA GeForce RTX 4090', 'NVIDIA GeForce RTX 4090'], used: 1, usedText: '1.00/2' });
  });

  it('reads `proving workers` as PoSt workers, and the ANSI capture like the plain one', () => {
    const r = parseWorkers(raw('proving-workers.B.txt'), 'post');
    expect(r.problems).toEqual([]);
    expect(Object.values(r.workers).map((w) => [w.hostname, w.kind, w.gpu.names[0]])).toEqual([
      ['winpost-01', 'post', 'NVIDIA RTX A2000'],
      ['wdpost-02', 'post', 'NVIDIA RTX A4000'],
      ['wdpost-01', 'post', 'NVIDIA RTX A4000'],
    ]);
    expect(parseWorkers(raw('sealing-workers.A.ansi.txt'))).toEqual(parseWorkers(raw('sealing-workers.A.txt')));
  });

  it('reads the 2020 form (numeric ids, no /total cores, no TASK line) and keeps unknown task names', () => {
    const r = parseWorkers(
      [
        'Worker 0, host miner',
        '\tCPU:  [                                                                ] 0 core(s) in use',
        '\tRAM:  [|||||||||||||||||||||||                                         ] 36% 22.73 GiB/62.76 GiB',
        '\tVMEM: [|||||||||||||||||||||||                                         ] 36% 22.73 GiB/62.76 GiB',
        '\tGPU: GeForce RTX 2080 Ti, not used',
        'Worker 1, host worker01',
        '\tTASK: XYZ(2) UNK(1) PC1(3/4) ',
        '\tCPU:  [|||] 8 core(s) in use',
        '\tFAN: 3000 rpm',
      ].join('\n'),
    );
    expect(r.workers['0']).toMatchObject({ id: '0', idShort: '0', hostname: 'miner', cpu: { inUse: 0 }, gpu: { count: 1, names: ['GeForce RTX 2080 Ti'] }, memory: { ramPercent: 36 } });
    expect(r.workers['1']!.taskCounts).toEqual({ XYZ: { short: 'XYZ', running: 2, pending: 0 }, UNK: { short: 'UNK', running: 1, pending: 0 }, PC1: { short: 'PC1', task: 'seal/v0/precommit/1', running: 3, pending: 0, max: 4 } });
    expect(r.problems).toEqual([expect.objectContaining({ message: 'unrecognised worker line', raw: '\tFAN: 3000 rpm', line: 9 })]);
  });
});

describe('lotus-miner sealing jobs', () => {
  it('reads sample A with start times relative to now', () => {
    const r = parseSealingJobs(raw('sealing-jobs.A.txt'), NOW);
    expect(r.problems).toEqual([]);
    expect(r.jobs).toHaveLength(11);
    expect(r.jobs[0]).toEqual({
      id: 'a2144e70', sector: 410, workerShort: 'd8e59e78', hostname: 'fil-seal-01', task: 'seal/v0/precommit/1', taskShort: 'PC1',
      state: 'running', stateText: 'running', runWait: 0, timeText: '3h2m41.3s', runningMs: (3 * 3600 + 2 * 60 + 41.3) * 1000, startMs: NOW - (3 * 3600 + 2 * 60 + 41.3) * 1000,
    });
    expect(r.jobs[10]).toMatchObject({ id: '00000000', sector: 409, taskShort: 'PC2', state: 'assigned', stateText: 'assigned(1)', assignedWindow: 1, runWait: 2 });
  });

  it('reads sample B: 51 running, 2 ret-wait, 1 prepared, 3 assigned', () => {
    const r = parseSealingJobs(raw('sealing-jobs.B.txt'), NOW);
    expect(r.problems).toEqual([]);
    expect(r.jobs).toHaveLength(57);
    const byState: Record<string, number> = {};
    for (const j of r.jobs) byState[j.stateText] = (byState[j.stateText] ?? 0) + 1;
    expect(byState).toEqual({ running: 51, 'ret-wait': 2, prepared: 1, 'assigned(1)': 2, 'assigned(2)': 1 });
    expect(r.jobs[0]).toMatchObject({ id: '5c296fc1', workerShort: '00000000', hostname: 'pc1-04', state: 'ret-wait', runWait: -1 });
  });

  it('finds columns by header: reordered, missing and new columns; unknown tasks and states kept', () => {
    const text = [
      'Worker    Task  ID        Priority  Sector  State      Hostname  Time',
      'd8e59e78  XYZ   1234abcd  5         7       sched      host-1    1m0s',
      '00000000  seal/v0/brandnew  00000000  0  8  running  host-2  n/a',
      'garbage line',
    ].join('\n');
    const r = parseSealingJobs(text, NOW);
    expect(r.jobs[0]).toMatchObject({ id: '1234abcd', sector: 7, workerShort: 'd8e59e78', hostname: 'host-1', taskShort: 'XYZ', state: 'sched', stateText: 'sched', runningMs: 60_000 });
    expect(r.jobs[0]!.task).toBeUndefined();
    // not aligned with the header: split on runs of spaces instead
    expect(r.jobs[1]).toMatchObject({ id: '00000000', sector: 8, task: 'seal/v0/brandnew', taskShort: 'UNK', state: 'running', timeText: 'n/a' });
    expect(r.jobs[1]!.runningMs).toBeUndefined();
    expect(r.problems).toEqual([expect.objectContaining({ message: 'not a job row', raw: 'garbage line', line: 4 })]);

    const old = parseSealingJobs('ID        Sector  Worker  Hostname  Task  Time\n1a2b3c4d  3       0       miner     PC1   1h0m0s\n', NOW);
    expect(old.jobs[0]).toMatchObject({ id: '1a2b3c4d', workerShort: '0', state: 'unknown', taskShort: 'PC1', runningMs: 3_600_000 });
  });
});

describe('lotus-miner sectors list', () => {
  it('reads sample A (414 rows: removed sectors are hidden) and B, plain and ANSI', () => {
    const a = parseSectorsList(raw('sectors-list.A.txt'));
    expect(a.problems).toEqual([]);
    expect(Object.keys(a.sectors)).toHaveLength(414);
    expect(a.sectors['0']).toEqual({ number: 0, state: 'Proving', onChain: true, active: true, expirationEpoch: 6095560, expirationText: '6095560 (in 13 weeks 2 days)', deals: 'CC', dealCount: 0 });
    expect(a.sectors['416']).toMatchObject({ state: 'AddPiece', onChain: false, active: false, expirationText: 'n/a' });
    expect(a.sectors['416']!.expirationEpoch).toBeUndefined();
    const b = parseSectorsList(raw('sectors-list.B.txt'));
    expect(b.problems).toEqual([]);
    expect(b.sectors['18840']).toMatchObject({ state: 'FinalizeSector', deals: '1', dealCount: 1, dealWeightText: '32GiB', verifiedPowerText: '288GiB' });
    expect(parseSectorsList(raw('sectors-list.B.ansi.txt'))).toEqual(b);
  });

  it('reads -p -t -e (Pledge, SealTime, Events), new-line columns and unknown columns', () => {
    const f = parseSectorsList(raw('sectors-list.A.flags.txt'));
    expect(f.problems).toEqual([]);
    expect(f.sectors['0']).toMatchObject({ sealTimeText: '7h54m9s', events: 16, pledge: { atto: '192000000000000000', text: '192 mFIL', exact: false } });
    const text = [
      'ID  State                 OnChain  Active  Expiration  Deals  Color  ',
      '5   SealPreCommit1Failed  NO       NO      n/a         CC     red    ',
      '  Error: seal pre commit(1) failed: storage call error 0: some error',
      '  RecoveryTimeout: 5827800 (in 1 hour 30 minutes)',
      '6   NewFancyState         NO       NO      n/a         DDO:2         ',
    ].join('\n');
    const r = parseSectorsList(text);
    expect(r.problems).toEqual([]);
    expect(r.sectors['5']).toMatchObject({ state: 'SealPreCommit1Failed', error: 'seal pre commit(1) failed: storage call error 0: some error', recoveryTimeout: '5827800 (in 1 hour 30 minutes)', extra: { Color: 'red' } });
    expect(r.sectors['6']).toMatchObject({ state: 'NewFancyState', deals: 'DDO:2', dealCount: 2 });
  });

  it('reads the 2020 form', () => {
    const r = parseSectorsList('196: Proving\tsSet: YES\tactive: YES\ttktH: 1818158\tseedH: 1818590\tdeals: [0]\n197: PreCommit1\tsSet: NO\tactive: NO\n');
    expect(r.sectors['196']).toEqual({ number: 196, state: 'Proving', onChain: true, active: true });
    expect(r.sectors['197']).toEqual({ number: 197, state: 'PreCommit1', onChain: false, active: false });
  });
});

describe('lotus-miner storage list', () => {
  it('reads sample A and B (limit bar, groups, AllowTo, latency), plain and ANSI', () => {
    const a = parseStorageList(raw('storage-list.A.txt'));
    expect(a.problems).toEqual([]);
    expect(a.paths['1b7d628d-1982-488f-93c9-e0eed17bbf47']).toMatchObject({
      capacity: { text: '21.83 TiB' }, used: { text: '14.07 TiB' }, usedPercent: 64, reserved: { bytes: '0', text: '0 B' },
      counts: { unsealed: 40, sealed: 400, caches: 400, updated: 0, updateCaches: 0 }, weight: 10, useText: 'Store', canSeal: false, canStore: true,
      localPath: '/mnt/store-a', urls: ['http://10.20.0.11:2345/remote'],
    });
    expect(a.paths['4fe899a2-3ca2-43ca-9f23-e95cc15b93f2']).toMatchObject({ useText: 'Seal', canSeal: true, canStore: false, latencyText: '1.1ms', reserved: { text: '2.094 TiB' } });
    const b = parseStorageList(raw('storage-list.B.txt'));
    expect(b.problems).toEqual([]);
    expect(Object.keys(b.paths)).toHaveLength(15);
    expect(b.paths['2b44d004-87e6-44d5-ae96-7b7e204fa415']!.limit).toMatchObject({ used: { text: '76.44 TiB' }, max: { text: '100 TiB' }, percent: 76 });
    expect(b.paths['5b88cd9a-0b68-4b7e-90bd-ae94e0e03619']).toMatchObject({ groups: ['gpu'], allowTo: ['store'] });
    expect(b.paths['041cc86a-b8b5-46f5-957b-9f6d6d9dbfd8']!.latencyText).toBe('700µs');
    expect(parseStorageList(raw('storage-list.B.ansi.txt'))).toEqual(b);
  });

  it('keeps a StorageStat error and reports unknown lines', () => {
    const r = parseStorageList('abc:\n\tError: stat failed: connection refused:\n\tWeird: 1\n');
    expect(r.paths.abc).toMatchObject({ error: 'stat failed: connection refused' });
    expect(r.problems).toEqual([expect.objectContaining({ message: 'unrecognised storage line', line: 3 })]);
  });
});

describe('lotus-miner proving info / deadlines', () => {
  it('reads both samples', () => {
    const a = parseProvingInfo(raw('proving-info.A.txt'));
    expect(a).toEqual({
      minerId: 'f03150672',
      proving: { currentEpoch: 5827620, periodStart: 5826573, faults: 0, recovering: 0, deadlineIndex: 17, deadlineSectors: 10, deadlineOpen: 5827593, deadlineClose: 5827653, deadlineChallenge: 5827573, deadlineFaultCutoff: 5827523 },
      problems: [],
    });
    expect(parseProvingInfo(raw('proving-info.B.txt')).proving).toMatchObject({ faults: 12, deadlineIndex: 40, deadlineSectors: 386 });
    for (const [farm, current] of [['A', 17], ['B', 40]] as const) {
      const d = parseProvingDeadlines(raw(`proving-deadlines.${farm}.txt`));
      expect(d.problems).toEqual([]);
      expect(d.deadlines).toHaveLength(48);
      expect(d.deadlines.filter((x) => x.current).map((x) => x.index)).toEqual([current]);
    }
    expect(parseProvingDeadlines(raw('proving-deadlines.A.txt')).deadlines[17]).toEqual({ index: 17, current: true, openText: '09:16:30', partitions: 1, sectors: 10, faults: 0, provenPartitions: 1 });
  });
});

describe('cliSnapshot', () => {
  it('assembles sample A: jobs linked to workers, pending counts, sector buckets, raw texts', () => {
    const s = cliSnapshot(sampleOutputs('A'), NOW, { durationMs: 850 });
    expect(MinerSnapshotSchema.parse(s)).toEqual(s);
    expect(s.problems).toEqual([]);
    expect(s.source).toEqual({ kind: 'cli', takenAtMs: NOW, durationMs: 850 });
    expect(s.overview.headEpoch).toBe(5827620);
    expect(s.overview.headTimestampMs).toBe(Date.UTC(2026, 2, 10, 9, 30, 0));
    expect(s.overview.sectors).toMatchObject({ total: 417, proving: 400, faulty: 0, recovering: 0, removed: 3, failed: 0, sealing: { pc1: 6, pc2: 1, waitSeed: 3, committing: 1, addPiece: 1, finalizing: 2, waitingChain: 0 } });
    expect(s.overview.power.effective?.text).toBe('23.7 Ti');
    expect(Object.keys(s.jobs)).toHaveLength(11);
    expect(s.jobs['d8e59e78:409:PC2']).toMatchObject({ workerId: 'd8e59e78-1fa5-4913-a50a-3a8e04700ccf', state: 'assigned' });
    expect(s.jobs['96fc7869']).toMatchObject({ workerId: '7c64801e-e8e4-43e9-a572-7dbc4b835be0', taskShort: 'GET' });
    const seal = s.workers['d8e59e78-1fa5-4913-a50a-3a8e04700ccf']!;
    expect(seal.taskCounts.PC2).toEqual({ short: 'PC2', task: 'seal/v0/precommit/2', running: 0, pending: 1 });
    expect(seal.connection).toBe('connected');
    expect(Object.keys(s.sectors!)).toHaveLength(414);
    expect(Object.keys(s.storage!)).toHaveLength(2);
    expect(s.overview.proving?.deadlines).toHaveLength(48);
    expect(s.raw?.['lotus-miner sealing jobs']).toBe(raw('sealing-jobs.A.txt'));
  });

  it('assembles sample B with PoSt workers and the faulty count from proving info', () => {
    const s = cliSnapshot(sampleOutputs('B'), NOW);
    expect(MinerSnapshotSchema.safeParse(s).success).toBe(true);
    expect(s.problems).toEqual([]);
    expect(Object.keys(s.workers)).toHaveLength(13);
    expect(s.overview.sectors.faulty).toBe(12);
    expect(s.overview.sectors.sealing).toMatchObject({ precommitWaiting: 8, commitWaiting: 17, waitingChain: 25, waitDeals: 4 });
    expect(Object.keys(s.jobs)).toHaveLength(57);
    // two assigned AP jobs and one prepared PC2 counted as pending on their workers
    expect(s.workers['f928632a-3c73-4d15-ad18-00e92f1da44c']!.taskCounts.PC2).toMatchObject({ running: 0, pending: 1 });
    expect(s.workers['234f0602-1d4a-4a35-b8e1-5a2a6bab1b4a']!.taskCounts.FIN).toMatchObject({ running: 0, pending: 1 });
    // ret-wait jobs belong to no worker
    expect(s.jobs['5c296fc1']!.workerId).toBeUndefined();
  });

  it('without proving info derives the faulty count from the info "Faulty" size', () => {
    const outs = sampleOutputs('B');
    delete outs.provingInfo;
    expect(cliSnapshot(outs, NOW).overview.sectors.faulty).toBe(12);
  });

  it('keeps partial results and a coded problem when a command fails', () => {
    const outs = sampleOutputs('A');
    outs.sealingJobs = { stdout: '', stderr: 'ERROR: getting worker jobs: missing permission to invoke \'WorkerJobs\' (need \'admin\')\n', code: 1 };
    outs.storageList = { stdout: '', error: { code: 'TIMEOUT', message: '`lotus-miner storage list` did not finish within 60000 ms' } };
    const s = cliSnapshot(outs, NOW);
    expect(s.jobs).toEqual({});
    expect(Object.keys(s.workers)).toHaveLength(2);
    expect(s.overview.minerId).toBe('f03150672');
    expect(s.storage).toBeUndefined();
    expect(s.problems).toEqual([
      expect.objectContaining({ source: 'lotus-miner sealing jobs', code: 'PERMISSION_DENIED', raw: expect.stringContaining('missing permission') }),
      expect.objectContaining({ source: 'lotus-miner storage list', code: 'TIMEOUT' }),
    ]);
  });

  it('marks a worker listed by both `sealing workers` and `proving workers` as unreachable (lotus got no task list)', () => {
    const block = 'Worker 11111111-2222-3333-4444-555555555555, host lost-01\n\tCPU:  [ ] 0/8 core(s) in use\n';
    const s = cliSnapshot({ sealingWorkers: block, provingWorkers: block }, NOW);
    expect(s.workers['11111111-2222-3333-4444-555555555555']).toMatchObject({ state: 'unreachable', connection: 'unreachable', kind: 'unknown' });
  });
});

describe('never throws on bad input', () => {
  const parsers: [string, (t: string) => unknown][] = [
    ['info', parseMinerInfo],
    ['workers', (t) => parseWorkers(t)],
    ['jobs', (t) => parseSealingJobs(t, NOW)],
    ['sectors', parseSectorsList],
    ['storage', parseStorageList],
    ['proving info', parseProvingInfo],
    ['proving deadlines', parseProvingDeadlines],
  ];
  const samples = Object.values(FILE_OF).flatMap((f) => ['A', 'B'].flatMap((farm) => {
    try {
      return [raw(`${f}.${farm}.txt`)];
    } catch {
      return [];
    }
  }));

  /** A small deterministic PRNG so a failure can be replayed. */
  function rng(seed: number) {
    let x = seed >>> 0 || 1;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
  }

  it('random bytes, random unicode, control characters', () => {
    const rand = rng(42);
    for (let i = 0; i < 150; i++) {
      const len = Math.floor(rand() * 2000);
      let s = '';
      for (let k = 0; k < len; k++) {
        const r = rand();
        s += r < 0.1 ? '\n' : r < 0.15 ? '\t' : r < 0.2 ? '\x1b[' : r < 0.25 ? '  ' : String.fromCharCode(Math.floor(rand() * (r < 0.9 ? 128 : 0xffff)));
      }
      for (const [name, p] of parsers) expect(() => p(s), name).not.toThrow();
      const snap = cliSnapshot({ info: s, sealingWorkers: s, provingWorkers: s, sealingJobs: s, storageList: s, provingInfo: s, provingDeadlines: s, sectorsList: s }, NOW);
      expect(MinerSnapshotSchema.safeParse(snap).success).toBe(true);
    }
  });

  it('every sample truncated at random points, with lines dropped, shuffled and mutated', () => {
    const rand = rng(7);
    for (const sample of samples) {
      const lines = sample.split('\n');
      for (let i = 0; i < 12; i++) {
        const cut = sample.slice(0, Math.floor(rand() * sample.length));
        const shuffled = [...lines].sort(() => rand() - 0.5).join('\n');
        const mutated = lines
          .filter(() => rand() > 0.2)
          .map((l) => (rand() < 0.2 ? l.replace(/\d/g, () => String.fromCharCode(33 + Math.floor(rand() * 90))) : rand() < 0.1 ? l.slice(0, Math.floor(rand() * l.length)) : l))
          .join('\n');
        for (const text of [cut, shuffled, mutated]) {
          for (const [name, p] of parsers) expect(() => p(text), name).not.toThrow();
          const snap = cliSnapshot({ info: text, sealingWorkers: text, sealingJobs: text, storageList: text, sectorsList: text, provingInfo: text, provingDeadlines: text }, NOW);
          const parsed = MinerSnapshotSchema.safeParse(snap);
          expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
        }
      }
    }
  });

  it('absurd numbers keep their text and still fit the contract', () => {
    const big = '9'.repeat(400);
    const text = [
      `Miner: f0${big} (1e400 TiB sectors)`,
      `Power: ${big} Ti / 1e300 Ei (${big}%)`,
      `Miner Balance:    ${big}.5 FIL`,
      'Sectors:',
      `\tProving: ${big}`,
    ].join('\n');
    const s = cliSnapshot({ info: text, sealingJobs: `ID  Sector  Worker  Hostname  Task  State  Time\nabcdef12  ${big}  x  h  PC1  running  1s\n`, storageList: `p:\n\t[#] ${big} TiB/1e40 PiB ${big}%\n` }, NOW);
    const r = MinerSnapshotSchema.safeParse(s);
    expect(r.success, r.success ? '' : JSON.stringify(r.error.issues.slice(0, 3))).toBe(true);
    expect(s.overview.balances.miner).toEqual({ text: big.slice(0, 128), exact: false });
    expect(s.overview.sectorSize).toEqual({ text: '1e400 TiB', exact: false });
    expect(s.problems.length).toBeGreaterThan(3);
  });

  it('caps problems so garbage cannot flood a snapshot', () => {
    const junk = Array.from({ length: 5000 }, (_, i) => `junk line ${i}`).join('\n');
    const r = parseMinerInfo(junk);
    expect(r.problems).toHaveLength(51);
    expect(r.problems[50]!.message).toBe('4950 more lines were not understood');
  });

  it('strips CSI, OSC and stray controls and turns CRLF into LF', () => {
    expect(stripAnsi('\x1b]0;title\x07a\x1b[1;31mb\x1b[0m\r\nc\x1b(B\x00d')).toBe('ab\ncd');
  });
});

describe('commands', () => {
  it('gives the argv of every command, with an optional env prefix', () => {
    const c = lotusCliCommands();
    expect(c.sealingJobs).toEqual(['lotus-miner', 'sealing', 'jobs']);
    expect(c.info).toEqual(['lotus-miner', 'info']);
    expect(c.provingWorkers).toEqual(['lotus-miner', 'proving', 'workers']);
    expect(lotusCliArgv('storageList', { env: { PATH: '/opt/x:/usr/bin', LOTUS_MINER_PATH: '/data/miner' } })).toEqual(['env', 'PATH=/opt/x:/usr/bin', 'LOTUS_MINER_PATH=/data/miner', 'lotus-miner', 'storage', 'list']);
    expect(() => lotusCliArgv('info', { env: { 'A B': 'x' } })).toThrow(/not a valid environment variable/);
    expect(buildCommand(lotusCliArgv('info', { program: '/opt/lotus miner/lotus-miner' }))).toBe("'/opt/lotus miner/lotus-miner' info");
  });

  it('abortJobArgv takes the 8-hex id or the full call UUID and refuses the rest', () => {
    expect(abortJobArgv('a2144e70')).toEqual(['lotus-miner', 'sealing', 'abort', 'a2144e70']);
    expect(abortJobArgv('A2144E70-f026-4cb0-9cc3-2ce4f1de2598')).toEqual(['lotus-miner', 'sealing', 'abort', 'a2144e70-f026-4cb0-9cc3-2ce4f1de2598']);
    for (const bad of ['', 'a21', '--sched', 'a2144e70;rm -rf /', 'zzzzzzzz', '00000000']) expect(() => abortJobArgv(bad), bad).toThrow();
    expect(() => abortJobArgv('00000000')).toThrow(/has not started yet/);
  });

  it('worker task argv follows lotus-worker', () => {
    expect(workerTasksArgv('disable', 'PC1')).toEqual(['lotus-worker', 'tasks', 'disable', 'PC1']);
    expect(workerTasksArgv('enable', 'all')).toEqual(['lotus-worker', 'tasks', 'enable', '--all']);
    expect(() => workerTasksArgv('enable', 'GET')).toThrow(/cannot enable/);
    expect(workerSetEnabledArgv(false)).toEqual(['lotus-worker', 'set', '--enabled=false']);
  });

  it('classifies failures', () => {
    expect(classifyCliFailure('lotus-miner info', 127, 'bash: lotus-miner: command not found').code).toBe('NOT_FOUND');
    expect(classifyCliFailure('lotus-miner info', 1, 'ERROR: could not get API info for StorageMiner: connection refused').code).toBe('UNAVAILABLE');
    expect(classifyCliFailure('lotus-miner proving workers', 3, "No help topic for 'workers'").code).toBe('UNSUPPORTED');
    expect(classifyCliFailure('x', 1, 'ERROR: 401 Unauthorized').code).toBe('UNAUTHENTICATED');
  });
});
