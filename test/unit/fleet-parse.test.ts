import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuMetricsSchema, HostMetricsSchema, type ProbeProblem } from '../../main/contract/fleet';
import { counterDelta } from '../../main/fleet/parse/counter-delta';
import { parseDf } from '../../main/fleet/parse/parse-df';
import { parseDiskstats } from '../../main/fleet/parse/parse-diskstats';
import { parseLoadavg } from '../../main/fleet/parse/parse-loadavg';
import { parseMeminfo } from '../../main/fleet/parse/parse-meminfo';
import { parseNetDev } from '../../main/fleet/parse/parse-net-dev';
import { decodeThrottleReasons, parseNvidiaSmiCsv } from '../../main/fleet/parse/parse-nvidia-smi';
import { parseProbeOutput, type ProbeSample } from '../../main/fleet/parse/parse-probe-output';
import { parseProcStat } from '../../main/fleet/parse/parse-proc-stat';
import { parseRocmSmiJson } from '../../main/fleet/parse/parse-rocm-smi';
import { splitProbeSections } from '../../main/fleet/parse/parse-sections';
import { parseSmartSection, smartHealth } from '../../main/fleet/parse/parse-smartctl';
import { cpuTemperature, mergeTemperatures, parseHwmon, parseSensors, parseThermalZones } from '../../main/fleet/parse/parse-temperatures';
import { parseUptime } from '../../main/fleet/parse/parse-uptime';
import { NVIDIA_BASIC_FIELDS, NVIDIA_QUERY_FIELDS, probeArgv, PROBE_SCRIPT } from '../../main/fleet/probe-script';

const FIX = path.join(__dirname, '../fixtures/fleet');
const fixture = (name: string) => readFileSync(path.join(FIX, name), 'utf8');

// ---------------------------------------------------------------------------------------------
// A synthetic probe output in exactly the layout of the script's emit()/absent() (the integration
// test proves that layout with the real script).

type SectionSpec = string | { body: string; rc?: number } | 'absent' | 'skipped';

function probeText(sections: Record<string, SectionSpec>, opts: { done?: boolean; uptime0?: string; uptime1?: string } = {}): string {
  let out = '@@drover probe v=1\n';
  for (const [name, spec] of Object.entries(sections)) {
    if (spec === 'absent') out += `@@drover absent ${name}\n`;
    else if (spec === 'skipped') out += `@@drover skipped ${name}\n`;
    else {
      const { body, rc } = typeof spec === 'string' ? { body: spec, rc: 0 } : { body: spec.body, rc: spec.rc ?? 0 };
      out += `@@drover begin ${name}\n${body}\n@@drover end ${name} rc=${rc}\n`;
    }
  }
  if (opts.done !== false) out += `@@drover done uptime0=${opts.uptime0 ?? '100.00'} uptime1=${opts.uptime1 ?? '100.08'}\n`;
  return out;
}

interface HostSim {
  uptime: number;
  btime: number;
  cpu: number[];
  vdaSectors: [number, number];
  eth0: [number, number];
}

function statText(cpu: number[], btime: number, cpus = 2): string {
  const per = cpu.map((v) => Math.floor(v / cpus));
  return [`cpu  ${cpu.join(' ')} 0 0`, ...Array.from({ length: cpus }, (_, i) => `cpu${i} ${per.join(' ')} 0 0`), `btime ${btime}`].join('\n');
}

/** A 6-GPU rig as the probe would print it (GPU CSV = the reference rig sample). */
function rigProbe(sim: HostSim, extra: Partial<Record<string, SectionSpec>> = {}): string {
  const nvidiaCsv = fixture('nvidia-smi-query.rig-6gpu.nounits.csv').trimEnd();
  return probeText({
    meta: 'hostname=rig06\nkernel=6.1.0-18-amd64\ntimeout=gnu',
    uptime: `${sim.uptime.toFixed(2)} ${(sim.uptime * 1.7).toFixed(2)}`,
    loadavg: '6.12 6.05 5.98 7/412 31337',
    stat: statText(sim.cpu, sim.btime),
    meminfo: 'MemTotal:       32768000 kB\nMemFree:         1000000 kB\nMemAvailable:    8192000 kB\nBuffers:          100000 kB\nCached:          4000000 kB\nSwapTotal:       2097148 kB\nSwapFree:        1048574 kB',
    df: [
      'Filesystem     1024-blocks     Used Available Capacity Mounted on',
      'udev              16353280        0  16353280       0% /dev',
      'tmpfs              3276800     1704   3275096       1% /run',
      '/dev/nvme0n1p2   490617784 441556006  24072822      95% /',
      '/dev/sda1       7751366384 3875683192 3875683192     50% /mnt/sealed data',
      '/dev/loop3           56832    56832         0     100% /snap/core18/2812',
    ].join('\n'),
    diskstats: [
      ` 259       0 nvme0n1 1000 0 ${sim.vdaSectors[0]} 500 2000 0 ${sim.vdaSectors[1]} 800 0 ${Math.floor(sim.uptime * 100)} 1300 0 0 0 0`,
      ' 259       1 nvme0n1p1 10 0 80 5 0 0 0 0 0 5 5 0 0 0 0',
      ' 259       2 nvme0n1p2 990 0 900 495 2000 0 1000 800 0 900 1295 0 0 0 0',
      '   8       0 sda 50 0 400 20 10 0 80 3 0 23 23 0 0 0 0',
      '   8       1 sda1 50 0 400 20 10 0 80 3 0 23 23 0 0 0 0',
    ].join('\n'),
    netdev: [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 5000 50 0 0 0 0 0 0 5000 50 0 0 0 0 0 0',
      `  eth0: ${sim.eth0[0]} 9000 0 1 0 0 0 0 ${sim.eth0[1]} 8000 0 0 0 0 0 0`,
    ].join('\n'),
    hwmon: 'hwmon0\tk10temp\ttemp1\t61250\t\t\tTctl\nhwmon1\tnvme\ttemp1\t44850\t81850\t84850\tComposite',
    thermal: '',
    sensors: 'absent',
    nvidia: `fields=${NVIDIA_BASIC_FIELDS.join(',')}\nfallback=\n${nvidiaCsv}`,
    rocm: 'absent',
    smart: 'skipped',
    ...extra,
  } as Record<string, SectionSpec>);
}

const baseSim: HostSim = { uptime: 1000, btime: 1_773_134_000, cpu: [100_000, 500, 20_000, 300_000, 1_000, 0, 500, 0], vdaSectors: [1_000_000, 2_000_000], eth0: [10_000_000, 5_000_000] };

function step(sim: HostSim, sec: number, cpuBusy: number, cpuIdle: number, read: number, write: number, rx: number, tx: number): HostSim {
  const cpu = [...sim.cpu];
  cpu[0] += cpuBusy;
  cpu[3] += cpuIdle;
  return { uptime: sim.uptime + sec, btime: sim.btime, cpu, vdaSectors: [sim.vdaSectors[0] + read, sim.vdaSectors[1] + write], eth0: [sim.eth0[0] + rx, sim.eth0[1] + tx] };
}

// ---------------------------------------------------------------------------------------------

describe('nvidia-smi CSV (real H100 capture)', () => {
  it('reads the captured noheader,nounits line, fan [N/A] as null with an info problem', () => {
    const problems: ProbeProblem[] = [];
    const gpus = parseNvidiaSmiCsv(fixture('captured-h100/csv_noheader_nounits.txt'), problems, NVIDIA_BASIC_FIELDS);
    expect(gpus).toHaveLength(1);
    const g = GpuMetricsSchema.parse(gpus[0]);
    expect(g).toMatchObject({
      vendor: 'nvidia',
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: 'GPU-b0e4afd6-3ebb-267d-f18e-800fe560f3e6',
      busId: '00000000:00:06.0',
      temperatureC: 41,
      fanPercent: null,
      powerDrawW: 127.21,
      powerLimitW: 700,
      utilizationPercent: 0,
      memoryUsedMiB: 0,
      memoryTotalMiB: 81559,
      clockSmMHz: 1980,
      clockMemMHz: 2619,
      pstate: null,
      throttleReasons: null,
    });
    expect(problems).toEqual([{ section: 'nvidia', severity: 'info', message: 'GPU 0: no value for fan.speed [N/A]' }]);
  });

  it('reads the same query with header and units to the same values', () => {
    const problems: ProbeProblem[] = [];
    const [g] = parseNvidiaSmiCsv(fixture('captured-h100/csv_with_header_units.txt'), problems);
    expect(g).toMatchObject({ temperatureC: 41, fanPercent: null, powerDrawW: 127.22, powerLimitW: 700, utilizationPercent: 0, memoryTotalMiB: 81559, clockSmMHz: 1980, clockMemMHz: 2619 });
    expect(problems.map((p) => p.severity)).toEqual(['info']);
  });

  it('reads the capture taken while a process used the GPU', () => {
    const [g] = parseNvidiaSmiCsv(fixture('captured-h100/csv_with_process.txt'), [], NVIDIA_BASIC_FIELDS);
    expect(g).toMatchObject({ uuid: 'GPU-9b98b8b0-240d-67f9-f1f7-21c1bd970562', temperatureC: 37, memoryUsedMiB: 2575, powerDrawW: 120.06 });
  });

  it('reads the earlier 15-field capture (utilization.memory, pstate), with and without header', () => {
    const fifteen = NVIDIA_QUERY_FIELDS.slice(0, 15);
    const [a] = parseNvidiaSmiCsv(fixture('query-nounits.csv'), [], fifteen);
    const [b] = parseNvidiaSmiCsv(fixture('query.csv'), []);
    for (const g of [a, b]) {
      expect(g).toMatchObject({ uuid: 'GPU-8f264832-37b0-1bd0-0899-bfdd2021ae84', temperatureC: 51, memoryUtilizationPercent: 0, memoryTotalMiB: 81559, pstate: 'P0', fanPercent: null });
    }
    expect(a!.powerDrawW).toBe(143.07);
    expect(b!.powerDrawW).toBe(143.06);
  });

  it('asks only for fields that nvidia-smi --help-query-gpu lists', () => {
    const help = fixture('captured-h100/help_query_gpu.txt');
    for (const f of new Set([...NVIDIA_QUERY_FIELDS, ...NVIDIA_BASIC_FIELDS])) expect(help, f).toContain(`"${f}"`);
    // The fallback is the exact list of the H100 capture; the full list starts with the earlier capture's 15 fields.
    expect(NVIDIA_QUERY_FIELDS.slice(0, 15).join(',')).toBe('index,name,uuid,pci.bus_id,temperature.gpu,fan.speed,power.draw,power.limit,utilization.gpu,utilization.memory,memory.used,memory.total,clocks.sm,clocks.mem,pstate');
  });
});

describe('nvidia-smi CSV (consumer samples, error tokens, garbage)', () => {
  it('reads the RTX samples; the 6-GPU rig reads the same with and without units', () => {
    const [a] = parseNvidiaSmiCsv(fixture('nvidia-smi-query.farmA-fil-seal-01.csv'), [], NVIDIA_BASIC_FIELDS);
    expect(a).toMatchObject({ name: 'NVIDIA GeForce RTX 3090', temperatureC: 71, fanPercent: 78, powerDrawW: 334.52, memoryUsedMiB: 22836, memoryTotalMiB: 24576 });
    const b = parseNvidiaSmiCsv(fixture('nvidia-smi-query.farmB-gpu-03.csv'), [], NVIDIA_BASIC_FIELDS);
    expect(b.map((g) => [g.index, g.clockSmMHz, g.clockMemMHz, g.utilizationPercent])).toEqual([
      [0, 2655, 10501, 100],
      [1, 210, 405, 0],
    ]);
    const problems: ProbeProblem[] = [];
    const plain = parseNvidiaSmiCsv(fixture('nvidia-smi-query.rig-6gpu.nounits.csv'), problems, NVIDIA_BASIC_FIELDS);
    const units = parseNvidiaSmiCsv(fixture('nvidia-smi-query.rig-6gpu.header-units.csv'), problems);
    expect(problems).toEqual([]);
    expect(units).toEqual(plain);
    expect(plain).toHaveLength(6);
    expect(plain[4]).toMatchObject({ index: 4, temperatureC: 83, fanPercent: 100, powerDrawW: 196.02, clockSmMHz: 1410, busId: '00000000:07:00.0' });
  });

  it('turns every bracketed token into null, with the worst severity noted', () => {
    // Synthetic: the tokens nvidia-smi documents besides [N/A] (not captured here).
    const text = [
      '0, NVIDIA GeForce RTX 3080, GPU-a, 00000000:05:00.0, 59, [Not Supported], 229.83, 240.00, 100, 5014, 10240, 1710, 9501',
      '1, NVIDIA GeForce RTX 3080, GPU-b, 00000000:06:00.0, [Unknown Error], 68, [Insufficient Permissions], 240.00, 100, 5014, 10240, 1695, 9501',
      '2, [GPU is lost], [GPU is lost], 00000000:07:00.0, [GPU is lost], [GPU is lost], [GPU is lost], [GPU is lost], [GPU is lost], [GPU is lost], [GPU is lost], [GPU is lost], [GPU is lost]',
    ].join('\n');
    const problems: ProbeProblem[] = [];
    const gpus = parseNvidiaSmiCsv(text, problems, NVIDIA_BASIC_FIELDS);
    expect(gpus.map((g) => [g.fanPercent, g.temperatureC, g.powerDrawW])).toEqual([
      [null, 59, 229.83],
      [68, null, null],
      [null, null, null],
    ]);
    expect(gpus[2]!.name).toBeNull();
    expect(problems.map((p) => p.severity)).toEqual(['info', 'error', 'error']);
    expect(problems[2]!.message).toContain('[GPU is lost]');
    for (const g of gpus) GpuMetricsSchema.parse(g);
  });

  it('puts a product name with ", " back together by field count', () => {
    const [g] = parseNvidiaSmiCsv('0, Tesla K80, rev 2, GPU-x, 00000000:01:00.0, 40, 0, 60.00, 149.00, 0, 0, 11441, 562, 2505', [], NVIDIA_BASIC_FIELDS);
    expect(g).toMatchObject({ name: 'Tesla K80, rev 2', uuid: 'GPU-x', temperatureC: 40, memoryTotalMiB: 11441 });
  });

  it('decodes throttle reason bitmasks', () => {
    expect(decodeThrottleReasons('0x0000000000000000')).toEqual([]);
    expect(decodeThrottleReasons('0x0000000000000001')).toEqual(['gpu_idle']);
    expect(decodeThrottleReasons('0x0000000000000044')).toEqual(['sw_power_cap', 'hw_thermal_slowdown']);
    expect(decodeThrottleReasons('0x0000000000001000')).toEqual(['0x1000']);
    expect(decodeThrottleReasons('Active')).toBeNull();
  });

  it('refuses other nvidia-smi outputs (table, -q, -q -x) and driver errors without throwing', () => {
    for (const name of ['nvidia-smi.txt', 'q.txt', 'q.xml']) {
      const problems: ProbeProblem[] = [];
      expect(parseNvidiaSmiCsv(fixture(name), problems), name).toEqual([]);
      expect(problems.length, name).toBeGreaterThan(0);
      const withFields: ProbeProblem[] = [];
      expect(parseNvidiaSmiCsv(fixture(name), withFields, NVIDIA_QUERY_FIELDS), name).toEqual([]);
      expect(withFields.every((p) => p.severity === 'error'), name).toBe(true);
    }
    const problems: ProbeProblem[] = [];
    const failed = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    expect(parseNvidiaSmiCsv(failed, problems, NVIDIA_QUERY_FIELDS)).toEqual([]);
    expect(problems[0]).toMatchObject({ severity: 'error' });
    expect(problems[0]!.message).toContain('NVIDIA-SMI has failed');
    expect(parseNvidiaSmiCsv('', [], NVIDIA_QUERY_FIELDS)).toEqual([]);
  });
});

describe('rocm-smi JSON', () => {
  it('reads three consumer cards, one without a fan', () => {
    const problems: ProbeProblem[] = [];
    const gpus = parseRocmSmiJson(fixture('rocm-smi.showtemp-showuse-showpower-showfan.json'), problems);
    expect(gpus.map((g) => [g.index, g.temperatureC, g.hotspotC, g.memoryTempC, g.fanPercent, g.powerDrawW, g.utilizationPercent])).toEqual([
      [0, 64, 78, 84, 64, 221, 99],
      [1, 61, 74, 82, 60, 214, 99],
      [2, 43, 45, 52, null, 12, 0],
    ]);
    expect(problems).toEqual([]);
    for (const g of gpus) expect(GpuMetricsSchema.parse(g).vendor).toBe('amd');
  });

  it('reads an MI250X: socket power on the first die, none on the secondary die', () => {
    const problems: ProbeProblem[] = [];
    const [a, b] = parseRocmSmiJson(fixture('rocm-smi.mi250x-socket-power.json'), problems);
    expect(a).toMatchObject({ temperatureC: 41, hotspotC: 44, memoryTempC: 52, powerDrawW: 402, utilizationPercent: 88 });
    // No edge sensor on the second die: the junction reading stands in.
    expect(b).toMatchObject({ temperatureC: 45, hotspotC: 45, powerDrawW: null, utilizationPercent: 87 });
    expect(problems).toEqual([{ section: 'rocm', severity: 'info', message: 'card1: no value for Average Graphics Package Power (W): N/A (Secondary die)' }]);
  });

  it('skips warnings before the JSON and refuses what is not rocm-smi output', () => {
    const sample = fixture('rocm-smi.showtemp-showuse-showpower-showfan.json');
    expect(parseRocmSmiJson(`WARNING: AMD GPU device(s) is/are in a low-power state\n${sample}`, [])).toHaveLength(3);
    expect(parseRocmSmiJson(fixture('bminer.api-v1-status-device.json'), [])).toEqual([]);
    const problems: ProbeProblem[] = [];
    expect(parseRocmSmiJson('{"card0": {"Temperature', problems)).toEqual([]);
    expect(parseRocmSmiJson('ERROR: GPU[0] : Unable to open device', problems)).toEqual([]);
    expect(problems.map((p) => p.severity)).toEqual(['error', 'error']);
  });
});

describe('/proc and df sections', () => {
  it('reads the real loadavg and meminfo lines of the H100 machine', () => {
    const [loadLine, ...mem] = fixture('proc.txt').trimEnd().split('\n');
    expect(parseLoadavg(loadLine!)).toEqual({ load1: 0, load5: 0, load15: 0, running: 1, threads: 204 });
    const { memory, swap } = parseMeminfo(mem.join('\n'));
    expect(memory).toEqual({ totalBytes: 131981020 * 1024, availableBytes: 131477080 * 1024, usedBytes: (131981020 - 131477080) * 1024, usePercent: 0.4 });
    expect(swap).toBeNull();
  });

  it('estimates available memory on kernels without MemAvailable (synthetic)', () => {
    const { memory } = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB');
    expect(memory).toMatchObject({ availableBytes: 400 * 1024, usePercent: 60 });
  });

  it('reads uptime and the cpu/btime lines of /proc/stat', () => {
    expect(parseUptime('861.44 1228.30')).toEqual({ uptimeSec: 861.44, idleSec: 1228.3 });
    expect(parseUptime('garbage')).toBeNull();
    const stat = parseProcStat('cpu  33021 0 12210 122829 1129 0 997 1226 0 0\ncpu0 14842 0 5863 63780 207 0 444 628 0 0\ncpu1 18178 0 6347 59049 921 0 552 597 0 0\nbtime 1796293215');
    expect(stat).toEqual({ cpu: { user: 33021, nice: 0, system: 12210, idle: 122829, iowait: 1129, irq: 0, softirq: 997, steal: 1226 }, cpuCount: 2, bootTimeSec: 1796293215 });
    // A 2.4-era line with only four fields still parses.
    expect(parseProcStat('cpu 1 2 3 4').cpu).toMatchObject({ user: 1, idle: 4, iowait: 0, steal: 0 });
  });

  it('reads df -kP (GNU and BusyBox), keeps mount points with spaces, drops pseudo and snap mounts', () => {
    const problems: ProbeProblem[] = [];
    const gnu = parseDf(
      [
        'Filesystem              1024-blocks     Used Available Capacity Mounted on',
        'devtmpfs                   12334076        0  12334076       0% /dev',
        '/dev/vda                  264212084 25120508  81270404      24% /',
        '/dev/sdb1                 100000000 90000000  10000000      90% /mnt/my disk',
        '/dev/loop0                    56832    56832         0     100% /snap/core18/2812',
        'tmpfs                      12341832        0  12341832       0% /sys/fs/cgroup',
        'overmount                       100       50        50      50% /mnt/my disk',
      ].join('\n'),
      problems,
    );
    expect(gnu.map((m) => [m.mount, m.source, m.usePercent])).toEqual([
      ['/', '/dev/vda', 24],
      ['/mnt/my disk', 'overmount', 50],
    ]);
    expect(gnu[0]).toMatchObject({ sizeBytes: 264212084 * 1024, usedBytes: 25120508 * 1024, availableBytes: 81270404 * 1024 });
    // BusyBox df -P (synthetic, its header spacing): a tmpfs root of a netbooted rig counts.
    const bb = parseDf('Filesystem           1024-blocks    Used Available Capacity Mounted on\nrootfs                 8155492   6115236   2040256  75% /\n', problems);
    expect(bb).toEqual([{ mount: '/', source: 'rootfs', sizeBytes: 8155492 * 1024, usedBytes: 6115236 * 1024, availableBytes: 2040256 * 1024, usePercent: 75 }]);
    expect(problems).toEqual([]);
    const bad: ProbeProblem[] = [];
    expect(parseDf("df: /mnt/nfs: Stale file handle\n/dev/vda 10 5 5 50% /", bad)).toHaveLength(1);
    expect(bad[0]!.message).toContain('Stale file handle');
  });

  it('keeps whole disks from /proc/diskstats and leaves partitions out', () => {
    const disks = parseDiskstats(
      [
        ' 254       0 vda 90586 12650 3851914 39003 20479 113226 5334272 31708 0 18520 71893 5239 61 439384 1019 3358 162',
        ' 254       1 vda1 100 0 800 10 0 0 0 0 0 10 10',
        ' 259       0 nvme0n1 1 0 8 0 2 0 16 0 0 3 3 0 0 0 0',
        ' 259       1 nvme0n1p1 1 0 8 0 2 0 16 0 0 3 3 0 0 0 0',
        ' 179       0 mmcblk0 1 0 8 0 2 0 16 0 0 3 3',
        ' 179       1 mmcblk0p1 1 0 8 0 2 0 16 0 0 3 3',
        '   9       0 md0 1 0 8 0 2 0 16 0 0 3 3',
        '   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0',
        'garbage line',
      ].join('\n'),
    );
    expect([...disks.keys()]).toEqual(['vda', 'nvme0n1', 'mmcblk0', 'md0']);
    expect(disks.get('vda')).toEqual({ reads: 90586, readSectors: 3851914, writes: 20479, writeSectors: 5334272, ioMs: 18520 });
  });

  it('reads /proc/net/dev, including the old "eth0:123" form, without lo', () => {
    const nets = parseNetDev(
      [
        'Inter-|   Receive                                                |  Transmit',
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
        '    lo: 39867288414 1227259    0    0    0     0          0         0 39867288414 1227259    0    0    0     0       0          0',
        '  eth0: 517320900   12325    0    0    0     0          0         0  1153585    8718    0    0    0     0       0          0',
        '  eth1:4294967000 10 1 2 0 0 0 0 300 3 0 4 0 0 0 0',
      ].join('\n'),
    );
    expect([...nets.keys()]).toEqual(['eth0', 'eth1']);
    expect(nets.get('eth0')).toMatchObject({ rxBytes: 517320900, rxPackets: 12325, txBytes: 1153585, txPackets: 8718 });
    expect(nets.get('eth1')).toMatchObject({ rxBytes: 4294967000, rxErrors: 1, rxDrops: 2, txDrops: 4 });
  });

  it('tells a 32-bit wrap from a reset', () => {
    expect(counterDelta(150, 100)).toBe(50);
    expect(counterDelta(200, 4_294_967_000)).toBe(496);
    expect(counterDelta(100, 5_000_000_000)).toBeNull();
    expect(counterDelta(10, 1_000)).toBeNull();
  });
});

describe('temperatures', () => {
  it('reads hwmon rows and thermal zones, without counting a sensor twice (synthetic sysfs)', () => {
    const problems: ProbeProblem[] = [];
    const hwmon = parseHwmon(
      [
        'hwmon0\tacpitz\ttemp1\t27800\t\t\t',
        'hwmon1\tcoretemp\ttemp1\t52000\t80000\t100000\tPackage id 0',
        'hwmon1\tcoretemp\ttemp2\t49000\t80000\t100000\tCore 0',
        'hwmon2\tnvme\ttemp1\t38850\t81850\t84850\tComposite',
        'hwmon3\tnct6798\ttemp7\t-128000\t\t\tPCH_CHIP_TEMP',
        'hwmon4\tcoretemp\ttemp9\t\t\t\t',
      ].join('\n'),
      problems,
    );
    expect(hwmon.map((t) => [t.chip, t.label, t.kind, t.celsius])).toEqual([
      ['acpitz', 'temp1', 'board', 27.8],
      ['coretemp', 'Package id 0', 'cpu', 52],
      ['coretemp', 'Core 0', 'cpu', 49],
      ['nvme', 'Composite', 'disk', 38.85],
    ]);
    expect(hwmon[1]).toMatchObject({ maxC: 80, critC: 100 });
    expect(problems).toEqual([{ section: 'hwmon', severity: 'info', message: '1 hwmon temperature input(s) could not be read' }]);
    const thermal = parseThermalZones('thermal_zone0\tacpitz\t27800\nthermal_zone1\tx86_pkg_temp\t53000\nthermal_zone2\tiwlwifi_1\t\n');
    const merged = mergeTemperatures(hwmon, thermal, []);
    expect(merged.filter((t) => t.source === 'thermal').map((t) => t.chip)).toEqual(['x86_pkg_temp']);
    expect(cpuTemperature(merged)).toBe(53);
  });

  it('reads sensors -u (synthetic lm-sensors output) and the real "No sensors found!"', () => {
    const text = [
      'k10temp-pci-00c3',
      'Adapter: PCI adapter',
      'Tctl:',
      '  temp1_input: 61.250',
      'Tccd1:',
      '  temp3_input: 58.500',
      '',
      'nvme-pci-0100',
      'Adapter: PCI adapter',
      'Composite:',
      '  temp1_input: 44.850',
      '  temp1_max: 81.850',
      '  temp1_min: -273.150',
      '  temp1_crit: 84.850',
      '  temp1_alarm: 0.000',
      'fan1:',
      '  fan1_input: 1200.000',
    ].join('\n');
    const temps = parseSensors(text);
    expect(temps.map((t) => [t.chip, t.label, t.kind, t.celsius, t.maxC, t.critC])).toEqual([
      ['k10temp-pci-00c3', 'Tctl', 'cpu', 61.25, null, null],
      ['k10temp-pci-00c3', 'Tccd1', 'cpu', 58.5, null, null],
      ['nvme-pci-0100', 'Composite', 'disk', 44.85, 81.85, 84.85],
    ]);
    expect(parseSensors(fixture('local/sensors-u.no-sensors.txt'))).toEqual([]);
    expect(parseSensors(fixture('sensors.txt'))).toEqual([]);
    // sensors only stands in when sysfs gave nothing.
    expect(mergeTemperatures([], [], temps)).toBe(temps);
  });
});

describe('SMART health', () => {
  it('reads the real smartctl output for a virtio disk as unsupported', () => {
    expect(smartHealth('vda', fixture('local/smartctl-H.vda-virtio.txt'), 1)).toEqual({ device: 'vda', health: 'unsupported', detail: '/dev/vda: Unable to detect device type' });
  });

  it('reads PASSED, FAILED, SCSI status, standby and the DISK FAILING exit bit (synthetic smartctl 7.3 layout)', () => {
    const head = 'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0] (local build)\nCopyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n';
    expect(smartHealth('sda', `${head}=== START OF READ SMART DATA SECTION ===\nSMART overall-health self-assessment test result: PASSED\n`, 0).health).toBe('passed');
    expect(smartHealth('sdb', `${head}=== START OF READ SMART DATA SECTION ===\nSMART overall-health self-assessment test result: FAILED!\nDrive failure expected in less than 24 hours. SAVE ALL DATA.\n`, 8).health).toBe('failed');
    expect(smartHealth('sdc', `${head}=== START OF READ SMART DATA SECTION ===\nSMART Health Status: OK\n`, 0).health).toBe('passed');
    expect(smartHealth('sdd', `${head}=== START OF READ SMART DATA SECTION ===\nSMART Health Status: LOGICAL UNIT FAILURE PREDICTION THRESHOLD EXCEEDED [asc=5d, ascq=2]\n`, 8).health).toBe('failed');
    expect(smartHealth('sde', `${head}Device is in STANDBY mode, exit(2)\n`, 2)).toMatchObject({ health: 'standby' });
    expect(smartHealth('sdf', 'weird', 8).health).toBe('failed');
    expect(smartHealth('sdg', '', null)).toEqual({ device: 'sdg', health: 'unknown', detail: 'no output' });
  });

  it('splits the probe section into disks and notices a refused sudo', () => {
    const ok = parseSmartSection(`@disk sda rc=0\nSMART overall-health self-assessment test result: PASSED\n\n@disk nvme0n1 rc=0\nSMART overall-health self-assessment test result: PASSED\n`);
    expect(ok).toEqual({ denied: false, disks: [expect.objectContaining({ device: 'sda', health: 'passed' }), expect.objectContaining({ device: 'nvme0n1', health: 'passed' })] });
    expect(parseSmartSection('@disk sda rc=1\nsudo: a password is required\n@denied sudo\n')).toEqual({ denied: true, disks: [] });
    expect(parseSmartSection('@denied no sudo')).toEqual({ denied: true, disks: [] });
  });
});

describe('parseProbeOutput', () => {
  it('parses the two real probes of this machine and computes rates from their deltas', () => {
    const a = parseProbeOutput(fixture('local/probe.debian12-vm.1.txt'), undefined, 1_000_000);
    expect(a.metrics.problems).toEqual([]);
    expect(a.metrics).toMatchObject({ hostname: 'vm', cpu: { count: 2, usePercent: null }, tools: { timeout: 'ok', sensors: 'ok', nvidiaSmi: 'absent', rocmSmi: 'absent', smartctl: 'ok' } });
    expect(a.metrics.disks.find((d) => d.device === 'vda')).toMatchObject({ readBytesPerSec: null });
    expect(a.metrics.smart.disks).toEqual([{ device: 'vda', health: 'unsupported', detail: '/dev/vda: Unable to detect device type' }]);
    const b = parseProbeOutput(fixture('local/probe.debian12-vm.2.txt'), a.sample, 1_002_100);
    HostMetricsSchema.parse(b.metrics);
    expect(b.metrics.problems).toEqual([]);
    expect(b.metrics.rebooted).toBe(false);
    expect(b.metrics.cpu.usePercent).toBeGreaterThanOrEqual(0);
    expect(b.metrics.cpu.usePercent).toBeLessThanOrEqual(100);
    const vda = b.metrics.disks.find((d) => d.device === 'vda')!;
    expect(vda.readBytesPerSec).toBeGreaterThanOrEqual(0);
    expect(vda.writeBytesPerSec).toBeGreaterThanOrEqual(0);
    expect(b.metrics.networks.map((n) => n.iface)).toContain('eth0');
    expect(b.metrics.mounts.map((m) => m.mount)).toContain('/');
    expect(b.metrics.probeDurationMs).toBeGreaterThanOrEqual(0);
    expect(b.metrics.memory!.totalBytes).toBe(24683664 * 1024);
  });

  it('gives a GPU rig all its metrics, and CPU, disk and network rates from the previous sample', () => {
    const first = parseProbeOutput(rigProbe(baseSim), undefined, 0);
    expect(first.metrics.cpu.usePercent).toBeNull();
    // 30 s later: 3000 busy and 3000 idle ticks; 600 000 sectors read; 30 MB received.
    const sim2 = step(baseSim, 30, 3000, 3000, 600_000, 60_000, 30_000_000, 3_000_000);
    const { metrics } = parseProbeOutput(rigProbe(sim2), first.sample, 31_000, { roundTripMs: 120 });
    HostMetricsSchema.parse(metrics);
    expect(metrics.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(metrics).toMatchObject({ hostname: 'rig06', load1: 6.12, load5: 6.05, load15: 5.98, cpuTempC: 61.25, roundTripMs: 120, probeDurationMs: 80 });
    expect(metrics.cpu).toEqual({ count: 2, usePercent: 50, iowaitPercent: 0, stealPercent: 0 });
    // Rates use the host's uptime (30 s), not the receive times (31 s apart).
    expect(metrics.disks.find((d) => d.device === 'nvme0n1')).toMatchObject({ readBytesPerSec: (600_000 * 512) / 30, writeBytesPerSec: (60_000 * 512) / 30 });
    expect(metrics.disks.map((d) => d.device)).toEqual(['nvme0n1', 'sda']);
    expect(metrics.networks).toEqual([{ iface: 'eth0', rxBytesPerSec: 1_000_000, txBytesPerSec: 100_000, rxPacketsPerSec: 0, txPacketsPerSec: 0, errorsPerSec: 0 }]);
    expect(metrics.mounts.map((m) => [m.mount, m.usePercent])).toEqual([
      ['/run', 1],
      ['/', 95],
      ['/mnt/sealed data', 50],
    ]);
    expect(metrics.memory).toMatchObject({ usePercent: 75 });
    expect(metrics.swap).toMatchObject({ usePercent: 50 });
    expect(metrics.gpus).toHaveLength(6);
    expect(metrics.gpus[4]).toMatchObject({ temperatureC: 83, fanPercent: 100 });
    expect(metrics.tools).toEqual({ timeout: 'ok', sensors: 'absent', nvidiaSmi: 'ok', rocmSmi: 'absent', smartctl: 'skipped' });
  });

  it('handles a 32-bit counter wrap, a counter reset and a reboot', () => {
    const a = parseProbeOutput(rigProbe({ ...baseSim, eth0: [4_294_967_000, 1_000] }), undefined, 0);
    const wrapped = parseProbeOutput(rigProbe({ ...step(baseSim, 10, 1, 1, 0, 0, 0, 0), eth0: [996 + 10_000, 1_000] }), a.sample, 10_000);
    expect(wrapped.metrics.networks[0]!.rxBytesPerSec).toBe((296 + 10_996) / 10);
    // A driver reload: the 64-bit counter starts again from 0.
    const b = parseProbeOutput(rigProbe({ ...baseSim, eth0: [9_000_000_000, 1_000] }), undefined, 0);
    const reset = parseProbeOutput(rigProbe({ ...step(baseSim, 10, 1, 1, 0, 0, 0, 0), eth0: [5_000, 1_500] }), b.sample, 10_000);
    expect(reset.metrics.networks[0]).toMatchObject({ rxBytesPerSec: null, txBytesPerSec: 50 });
    expect(reset.metrics.problems).toContainEqual({ section: 'netdev', severity: 'info', message: 'counters went backwards (reset) for eth0' });
    // A reboot: a new boot time and a smaller uptime; no rate is made of counters from two boots.
    const rebootSim: HostSim = { uptime: 40, btime: baseSim.btime + 5000, cpu: [100, 0, 50, 300, 0, 0, 0, 0], vdaSectors: [10, 20], eth0: [100, 200] };
    const c = parseProbeOutput(rigProbe(rebootSim), parseProbeOutput(rigProbe(baseSim), undefined, 0).sample, 5_000_000);
    expect(c.metrics.rebooted).toBe(true);
    expect(c.metrics.cpu.usePercent).toBeNull();
    expect(c.metrics.disks.every((d) => d.readBytesPerSec === null)).toBe(true);
    expect(c.metrics.networks[0]!.rxBytesPerSec).toBeNull();
  });

  it('marks a timed-out tool, a host without timeout, a failed driver and a cut-off output', () => {
    const out = parseProbeOutput(
      rigProbe(baseSim, {
        meta: 'hostname=rig06\nkernel=6.1\ntimeout=none',
        df: { body: 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/nvme0n1p2 100 50 50 50% /', rc: 124 },
        nvidia: { body: `fields=${NVIDIA_QUERY_FIELDS.join(',')}\nfallback=\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.`, rc: 9 },
        rocm: { body: '', rc: 124 },
      }),
      undefined,
      0,
    );
    expect(out.metrics.tools).toMatchObject({ timeout: 'absent', nvidiaSmi: 'failed', rocmSmi: 'timed-out' });
    expect(out.metrics.gpus).toEqual([]);
    expect(out.metrics.mounts.map((m) => m.mount)).toEqual(['/']);
    const messages = out.metrics.problems.map((p) => `${p.section}/${p.severity}: ${p.message}`);
    expect(messages).toContain('meta/warning: the host has no `timeout` command: a hung tool could stall its probe');
    expect(messages).toContain("nvidia/error: nvidia-smi: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
    expect(messages).toContain('rocm/error: rocm timed out');
    expect(messages.some((m) => m.startsWith('df/error: df timed out'))).toBe(true);

    const full = rigProbe(baseSim);
    const cut = parseProbeOutput(full.slice(0, full.indexOf('@@drover end nvidia')), undefined, 0);
    HostMetricsSchema.parse(cut.metrics);
    expect(cut.metrics.tools.nvidiaSmi).toBe('failed');
    expect(cut.metrics.problems).toContainEqual({ section: 'nvidia', severity: 'error', message: 'the probe output was cut off inside section nvidia' });
    expect(cut.metrics.load1).toBe(6.12);
  });

  it('notes the fallback field list and reads the fallback output', () => {
    const { metrics } = parseProbeOutput(
      rigProbe(baseSim, { nvidia: `fields=${NVIDIA_BASIC_FIELDS.join(',')}\nfallback=1\n${fixture('captured-h100/csv_noheader_nounits.txt').trimEnd()}` }),
      undefined,
      0,
    );
    expect(metrics.gpus).toHaveLength(1);
    expect(metrics.gpus[0]).toMatchObject({ name: 'NVIDIA H100 80GB HBM3', fanPercent: null, pstate: null });
    expect(metrics.problems.map((p) => p.message)).toContain('the driver refused part of the GPU field list; the basic list was used');
  });

  it('never throws on garbage, and says what it is', () => {
    const samples = [
      '',
      'Permission denied (publickey).',
      '\u0000\u0001\u0002binary\xff\xfe',
      '@@drover begin df\n',
      '@@drover probe v=1\n@@drover begin stat\ncpu x y z\n@@drover end stat rc=0\n',
      `${'@@drover probe v=1\n'}${'@@drover begin meminfo\nMemTotal: lots kB\n@@drover end meminfo rc=banana\n'.repeat(3)}`,
      fixture('q.xml'),
      rigProbe(baseSim).replace(/\d/g, '9'),
      rigProbe(baseSim).split('\n').reverse().join('\n'),
    ];
    for (const text of samples) {
      const { metrics } = parseProbeOutput(text, undefined, 0);
      expect(() => HostMetricsSchema.parse(metrics), text.slice(0, 40)).not.toThrow();
      expect(metrics.problems.length, text.slice(0, 40)).toBeGreaterThan(0);
    }
    const none = parseProbeOutput('Permission denied (publickey).', undefined, 0).metrics;
    expect(none.problems[0]).toEqual({ section: 'probe', severity: 'error', message: 'not a Drover probe output (no header line)' });
    const previous: ProbeSample = parseProbeOutput(rigProbe(baseSim), undefined, 0).sample;
    expect(() => parseProbeOutput('garbage', previous, 1).metrics).not.toThrow();
  });

  it('splits sections the way the script writes them (empty bodies, markers inside tool output)', () => {
    const problems: ProbeProblem[] = [];
    const text = probeText({ hwmon: '', sensors: 'absent', smart: 'skipped', nvidia: { body: 'line\n@@drover begin fake\nmore', rc: 0 } });
    const { sections, header, done } = splitProbeSections(text, problems);
    expect(header).toBe(true);
    expect(done).toEqual({ uptime0: 100, uptime1: 100.08 });
    expect(sections.get('hwmon')).toEqual({ name: 'hwmon', state: 'ran', body: '', rc: 0 });
    expect(sections.get('sensors')!.state).toBe('absent');
    expect(sections.get('smart')!.state).toBe('skipped');
    expect(sections.get('nvidia')!.body).toBe('line\n@@drover begin fake\nmore');
    expect(problems).toEqual([]);
  });
});

describe('the probe script', () => {
  it('is one sh -c command whose variable parts are positional arguments', () => {
    const argv = probeArgv({ sectionTimeoutSec: 7, smart: true, extraPath: ['/opt/fake/bin'], sysRoot: '/tmp/sys' });
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).toBe(PROBE_SCRIPT);
    expect(argv.slice(3)).toEqual(['drover-probe', '7', '1', '/opt/fake/bin', '/tmp/sys', NVIDIA_QUERY_FIELDS.join(','), NVIDIA_BASIC_FIELDS.join(',')]);
    expect(() => probeArgv({ extraPath: ['relative/bin'] })).toThrow(/absolute/);
    expect(() => probeArgv({ extraPath: ['/a:/b'] })).toThrow(/absolute/);
    expect(() => probeArgv({ sectionTimeoutSec: 0 })).toThrow(/timeout/);
    expect(() => probeArgv({ sysRoot: 'sys' })).toThrow(/sysfs/);
  });
});

describe('parsing cost (measured)', () => {
  it('parses a 6-GPU rig sample in well under a millisecond', () => {
    let sim = baseSim;
    const texts: string[] = [];
    for (let i = 0; i < 50; i++) {
      sim = step(sim, 30, 3000, 3000, 600_000, 60_000, 30_000_000, 3_000_000);
      texts.push(rigProbe(sim));
    }
    let prev: ProbeSample | undefined;
    // Warm up, then measure.
    for (const t of texts) prev = parseProbeOutput(t, prev, 0).sample;
    const rounds = 2000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) prev = parseProbeOutput(texts[i % texts.length]!, prev, i * 30_000).sample;
    const perSampleUs = Number(process.hrtime.bigint() - start) / 1000 / rounds;
    const bytes = texts[0]!.length;
    const fleetMsPer30s = (perSampleUs * 500) / 1000;
    console.log(
      `[fleet] parseProbeOutput: ${perSampleUs.toFixed(1)} µs per host sample (${bytes} bytes, 6 GPUs); 500 hosts every 30 s = ${fleetMsPer30s.toFixed(1)} ms of main-thread time per 30 s (${((fleetMsPer30s / 30_000) * 100).toFixed(3)} % of one core)`,
    );
    expect(perSampleUs).toBeLessThan(2000);
  });
});
