import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostMetricsSchema } from '../../main/contract/fleet';
import { parseProbeOutput } from '../../main/fleet/parse/parse-probe-output';
import { NVIDIA_BASIC_FIELDS, NVIDIA_QUERY_FIELDS, probeArgv, ROCM_SMI_ARGS, type ProbeScriptOptions } from '../../main/fleet/probe-script';
import type { Ssh2Connection } from '../../main/ssh/ssh-connection';
import { quoteArg } from '../../main/ssh/shell-quote';
import { ensureBinary, makeTempDir, startSshd, type SshdHandle, type TempDir } from '../harness/index';
import { sshStack, type SshStack } from '../support/ssh-stack';

// The real probe script through the harness's real sshd (one exec per probe), against this machine,
// with fake GPU tools first on the PATH that print the captured H100 output and the rocm-smi sample.

const FIX = path.resolve(__dirname, '../fixtures/fleet');

let sshd: SshdHandle;
let tmp: TempDir;
let stack: SshStack;
let conn: Ssh2Connection;
const dirs = { full: '', fallback: '', hang: '', sys: '', busybox: '' };

async function writeExecutable(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text, { mode: 0o755 });
}

/** A fake tool that checks it got exactly the arguments the probe must pass. */
function fakeTool(expectedArgs: readonly string[], thenScript: string, otherwise = 'echo "fake: unexpected arguments: $*" >&2; exit 3'): string {
  const checks = [`[ "$#" -eq ${expectedArgs.length} ]`, ...expectedArgs.map((a, i) => `[ "$${i + 1}" = ${quoteArg(a)} ]`)].join(' && ');
  return `#!/bin/sh\nif ${checks}; then\n${thenScript}\nelse\n${otherwise}\nfi\n`;
}

async function probe(options: ProbeScriptOptions = {}): Promise<{ stdout: string; ms: number }> {
  const t0 = performance.now();
  const res = await conn.exec(probeArgv(options));
  const ms = performance.now() - t0;
  expect(res.code, res.stderr).toBe(0);
  expect(res.stderr).toBe('');
  return { stdout: res.stdout, ms };
}

function runLocal(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 8 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

beforeAll(async () => {
  // Real lm-sensors and smartmontools, so the probe meets the real tools (present, finding nothing).
  await ensureBinary('sensors', 'lm-sensors');
  await ensureBinary('smartctl', 'smartmontools');
  tmp = await makeTempDir('drover-fleet-probe-');
  sshd = await startSshd();
  stack = sshStack(sshd, tmp.path);
  conn = await stack.connection();

  const full = NVIDIA_QUERY_FIELDS.join(',');
  const basic = NVIDIA_BASIC_FIELDS.join(',');
  const fmt = '--format=csv,noheader,nounits';
  // Full field list accepted: the earlier real 15-field H100 capture, plus the throttle mask its
  // q.xml implies (every clock event reason "Not Active" → 0x0000000000000000).
  dirs.full = path.join(tmp.path, 'fake-full');
  const line = (await fs.readFile(path.join(FIX, 'query-nounits.csv'), 'utf8')).trimEnd();
  await fs.writeFile(path.join(tmp.path, 'full-line.csv'), `${line}, 0x0000000000000000\n`);
  await writeExecutable(path.join(dirs.full, 'nvidia-smi'), fakeTool([`--query-gpu=${full}`, fmt], `cat '${tmp.path}/full-line.csv'`));
  await writeExecutable(path.join(dirs.full, 'rocm-smi'), fakeTool([...ROCM_SMI_ARGS], `cat '${FIX}/rocm-smi.showtemp-showuse-showpower-showfan.json'`));
  // An older driver that refuses one field (message as nvidia-smi words it; exit status assumed):
  // the probe falls back to the exact list of the H100 capture, printed byte for byte.
  dirs.fallback = path.join(tmp.path, 'fake-fallback');
  await writeExecutable(
    path.join(dirs.fallback, 'nvidia-smi'),
    fakeTool(
      [`--query-gpu=${basic}`, fmt],
      `cat '${FIX}/captured-h100/csv_noheader_nounits.txt'`,
      `if [ "$1" = "--query-gpu=${full}" ]; then echo 'Field "clocks_throttle_reasons.active" is not a valid field to query.'; exit 2; fi; echo "fake: unexpected $*" >&2; exit 3`,
    ),
  );
  // A wedged GPU: nvidia-smi never answers.
  dirs.hang = path.join(tmp.path, 'fake-hang');
  await writeExecutable(path.join(dirs.hang, 'nvidia-smi'), '#!/bin/sh\nexec sleep 30\n');
  // A small sysfs: hwmon chips (one old-style, attributes under device/), thermal zones, one block device.
  dirs.sys = path.join(tmp.path, 'sys');
  const put = async (rel: string, text: string) => {
    await fs.mkdir(path.dirname(path.join(dirs.sys, rel)), { recursive: true });
    await fs.writeFile(path.join(dirs.sys, rel), `${text}\n`);
  };
  await put('class/hwmon/hwmon0/name', 'k10temp');
  await put('class/hwmon/hwmon0/temp1_input', '61250');
  await put('class/hwmon/hwmon0/temp1_label', 'Tctl');
  await put('class/hwmon/hwmon1/name', 'nvme');
  await put('class/hwmon/hwmon1/temp1_input', '38850');
  await put('class/hwmon/hwmon1/temp1_label', 'Composite');
  await put('class/hwmon/hwmon1/temp1_max', '81850');
  await put('class/hwmon/hwmon1/temp1_crit', '84850');
  await put('class/hwmon/hwmon2/device/name', 'it8721');
  await put('class/hwmon/hwmon2/device/temp2_input', '45000');
  await put('class/thermal/thermal_zone0/type', 'acpitz');
  await put('class/thermal/thermal_zone0/temp', '27800');
  await put('class/thermal/thermal_zone1/type', 'x86_pkg_temp');
  await put('class/thermal/thermal_zone1/temp', '53000');
  await fs.mkdir(path.join(dirs.sys, 'block/vda'), { recursive: true });
  await fs.mkdir(path.join(dirs.sys, 'block/loop0'), { recursive: true });
});

afterAll(async () => {
  stack?.dispose();
  await sshd?.stop();
  await tmp?.remove();
});

describe('the probe script over SSH against this machine', () => {
  it('parses into metrics that agree with what Node sees, and rates from a second probe', async () => {
    const first = await probe({ smart: true });
    const a = parseProbeOutput(first.stdout, undefined, Date.now(), { roundTripMs: Math.round(first.ms) });
    expect(a.metrics.problems).toEqual([]);
    await new Promise((r) => setTimeout(r, 1000));
    const second = await probe({ smart: true });
    const t0 = performance.now();
    const { metrics } = parseProbeOutput(second.stdout, a.sample, Date.now(), { roundTripMs: Math.round(second.ms) });
    const parseMs = performance.now() - t0;
    HostMetricsSchema.parse(metrics);
    expect(metrics.problems).toEqual([]);
    expect(metrics.hostname).toBe(os.hostname());
    expect(metrics.kernel).toBe(os.release());
    expect(metrics.cpu.count).toBe(os.cpus().length);
    expect(metrics.cpu.usePercent).toBeGreaterThanOrEqual(0);
    expect(metrics.cpu.usePercent).toBeLessThanOrEqual(100);
    expect(metrics.memory!.totalBytes).toBe(os.totalmem());
    expect(Math.abs(metrics.uptimeSec! - os.uptime())).toBeLessThan(5);
    expect(metrics.load1).toBeGreaterThanOrEqual(0);
    const root = metrics.mounts.find((m) => m.mount === '/')!;
    const st = await fs.statfs('/');
    expect(root.sizeBytes).toBe(st.blocks * st.bsize);
    expect(Math.abs(root.availableBytes - st.bavail * st.bsize)).toBeLessThan(64 * 1024 * 1024);
    for (const d of metrics.disks) expect(d.readBytesPerSec, d.device).not.toBeNull();
    for (const n of metrics.networks) expect(n.rxBytesPerSec, n.iface).not.toBeNull();
    expect(metrics.tools).toEqual({ timeout: 'ok', sensors: 'ok', nvidiaSmi: 'absent', rocmSmi: 'absent', smartctl: 'ok' });
    expect(metrics.gpus).toEqual([]);
    expect(metrics.smart.disks.length).toBeGreaterThan(0);
    expect(metrics.probeDurationMs).toBeGreaterThanOrEqual(0);
    console.log(
      `[fleet] probe over SSH: ${second.ms.toFixed(0)} ms round trip (script ${metrics.probeDurationMs} ms on the host, SMART included), ${second.stdout.length} bytes, parsed in ${parseMs.toFixed(2)} ms`,
    );
  });

  it('reads the captured H100 output and the rocm-smi sample through the real script, and sysfs temperatures', async () => {
    const { stdout } = await probe({ extraPath: [dirs.full], sysRoot: dirs.sys });
    const { metrics } = parseProbeOutput(stdout, undefined, Date.now());
    HostMetricsSchema.parse(metrics);
    expect(metrics.tools).toMatchObject({ nvidiaSmi: 'ok', rocmSmi: 'ok', smartctl: 'skipped' });
    expect(metrics.gpus.map((g) => [g.vendor, g.index])).toEqual([
      ['nvidia', 0],
      ['amd', 0],
      ['amd', 1],
      ['amd', 2],
    ]);
    expect(metrics.gpus[0]).toEqual({
      vendor: 'nvidia',
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: 'GPU-8f264832-37b0-1bd0-0899-bfdd2021ae84',
      busId: '00000000:00:06.0',
      temperatureC: 51,
      hotspotC: null,
      memoryTempC: null,
      utilizationPercent: 0,
      memoryUtilizationPercent: 0,
      memoryUsedMiB: 0,
      memoryTotalMiB: 81559,
      powerDrawW: 143.07,
      powerLimitW: 700,
      fanPercent: null,
      clockSmMHz: 1980,
      clockMemMHz: 2619,
      pstate: 'P0',
      throttleReasons: [],
    });
    expect(metrics.gpus[3]).toMatchObject({ temperatureC: 43, fanPercent: null, powerDrawW: 12 });
    expect(metrics.problems).toEqual([{ section: 'nvidia', severity: 'info', message: 'GPU 0: no value for fan.speed [N/A]' }]);
    expect(metrics.temperatures.map((t) => [t.source, t.chip, t.label, t.celsius])).toEqual([
      ['hwmon', 'k10temp', 'Tctl', 61.25],
      ['hwmon', 'nvme', 'Composite', 38.85],
      ['hwmon', 'it8721', 'temp2', 45],
      ['thermal', 'acpitz', 'thermal_zone0', 27.8],
      ['thermal', 'x86_pkg_temp', 'thermal_zone1', 53],
    ]);
    expect(metrics.temperatures[1]).toMatchObject({ kind: 'disk', maxC: 81.85, critC: 84.85 });
    expect(metrics.cpuTempC).toBe(61.25);
  });

  it('falls back to the basic field list when the driver refuses one, printing the capture byte for byte', async () => {
    const { stdout } = await probe({ extraPath: [dirs.fallback] });
    expect(stdout).toContain(`fields=${NVIDIA_BASIC_FIELDS.join(',')}\nfallback=1\n${(await fs.readFile(path.join(FIX, 'captured-h100/csv_noheader_nounits.txt'), 'utf8')).trimEnd()}`);
    const { metrics } = parseProbeOutput(stdout, undefined, Date.now());
    expect(metrics.gpus).toHaveLength(1);
    expect(metrics.gpus[0]).toMatchObject({ uuid: 'GPU-b0e4afd6-3ebb-267d-f18e-800fe560f3e6', temperatureC: 41, fanPercent: null, powerDrawW: 127.21, pstate: null, throttleReasons: null });
    expect(metrics.problems.map((p) => p.message)).toEqual(['the driver refused part of the GPU field list; the basic list was used', 'GPU 0: no value for fan.speed [N/A]']);
  });

  it('does not hang on a hung tool: the section times out and the rest is there', async () => {
    const { stdout, ms } = await probe({ extraPath: [dirs.hang], sectionTimeoutSec: 1 });
    expect(ms).toBeLessThan(10_000);
    const { metrics } = parseProbeOutput(stdout, undefined, Date.now());
    expect(metrics.tools.nvidiaSmi).toBe('timed-out');
    expect(metrics.problems).toContainEqual({ section: 'nvidia', severity: 'error', message: 'nvidia timed out' });
    expect(metrics.memory).not.toBeNull();
    expect(metrics.mounts.length).toBeGreaterThan(0);
    console.log(`[fleet] probe with a hung nvidia-smi (1 s section timeout): ${ms.toFixed(0)} ms`);
  });
});

describe('the probe script elsewhere', () => {
  it('runs under BusyBox sh and applets (netbooted rigs)', async () => {
    const busybox = await ensureBinary('busybox', 'busybox-static');
    dirs.busybox = path.join(tmp.path, 'bb');
    await fs.mkdir(dirs.busybox, { recursive: true });
    for (const applet of ['sh', 'cat', 'grep', 'df', 'timeout', 'id', 'sleep', 'true', 'sed']) await fs.symlink(busybox, path.join(dirs.busybox, applet));
    const argv = probeArgv({ extraPath: [dirs.full] });
    const stdout = await runLocal(path.join(dirs.busybox, 'sh'), argv.slice(1), { PATH: dirs.busybox });
    const { metrics } = parseProbeOutput(stdout, undefined, Date.now());
    HostMetricsSchema.parse(metrics);
    expect(metrics.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(metrics.tools.timeout).toBe('ok');
    expect(metrics.mounts.map((m) => m.mount)).toContain('/');
    expect(metrics.memory!.totalBytes).toBe(os.totalmem());
    expect(metrics.gpus).toHaveLength(4);
  });

  it('reports SMART as not permitted for a user without root or sudo, without prompting', async () => {
    const argv = probeArgv({ smart: true });
    const stdout = await runLocal('runuser', ['-u', 'nobody', '--', ...argv], { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
    const { metrics } = parseProbeOutput(stdout, undefined, Date.now());
    expect(metrics.smart).toEqual({ state: 'not-permitted', disks: [] });
    expect(metrics.tools.smartctl).toBe('not-permitted');
    expect(metrics.problems).toEqual([{ section: 'smart', severity: 'info', message: 'SMART health needs root or a sudo rule for smartctl that needs no password' }]);
  });
});
