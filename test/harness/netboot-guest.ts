/**
 * Boots the netboot test guest under QEMU (TCG): SeaBIOS -> QEMU's built-in iPXE ROM (package
 * ipxe-qemu) -> HTTP script -> the kernel and initramfs from netboot-artifacts.ts -> the guest
 * prints what /api/v1/get-config and /api/v1/get-initial-config returned and powers off.
 *
 * bootGuest() uses QEMU user-mode networking: the guest reaches the host's 127.0.0.1:PORT as
 * 10.0.2.2:PORT (or, with `restrict`, only that server, as 10.0.2.100:80 through a socat guestfwd).
 * netboot-netns.ts boots the same guest on a tap in a network namespace with real DHCP.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { startProcess } from './proc';
import { ensureBinary } from './require-binary';

// ---------------------------------------------------------------------------------------------
// iPXE script

/** What the guest's /init reads from /proc/cmdline, plus a quiet serial console. */
export interface GuestKernelArgsOptions {
  /** Base URL of the responder as the guest sees it, e.g. http://10.0.2.2:8080 (no trailing slash needed). */
  serverUrl: string;
  /** MAC passed as drover.mac; default the iPXE expression `${net0/mac}` (lower-case, colons). */
  mac?: string;
  /** Appended as they are (no spaces inside one argument). */
  extraArgs?: readonly string[];
}

/**
 * Kernel command line of the test guest. `panic=1` with QEMU's -no-reboot turns a kernel panic into
 * a QEMU exit instead of a hang.
 */
export function guestKernelArgs(options: GuestKernelArgsOptions): string[] {
  const server = options.serverUrl.replace(/\/+$/, '');
  if (/\s/.test(server)) throw new Error(`server URL must not contain spaces: ${JSON.stringify(server)}`);
  return ['console=ttyS0', 'quiet', 'panic=1', `drover.server=${server}`, `drover.mac=${options.mac ?? '${net0/mac}'}`, ...(options.extraArgs ?? [])];
}

export interface IpxeScriptOptions extends GuestKernelArgsOptions {
  /** Path (on serverUrl) of the kernel. Default /netboot/vmlinuz. */
  kernelPath?: string;
  /** Path (on serverUrl) of the initramfs. Default /netboot/initrd.gz. */
  initrdPath?: string;
}

export const DEFAULT_KERNEL_PATH = '/netboot/vmlinuz';
export const DEFAULT_INITRD_PATH = '/netboot/initrd.gz';

/**
 * The iPXE script a responder serves for the test guest, e.g. for serverUrl http://10.0.2.2:8080:
 *
 *     #!ipxe
 *     echo Drover test guest ${net0/mac}
 *     kernel http://10.0.2.2:8080/netboot/vmlinuz console=ttyS0 quiet panic=1 drover.server=http://10.0.2.2:8080 drover.mac=${net0/mac}
 *     initrd http://10.0.2.2:8080/netboot/initrd.gz
 *     boot
 *
 * `${net0/mac}` is expanded by iPXE on the machine. No `initrd=` argument: BIOS iPXE hands every
 * fetched initrd to the kernel itself (only EFI stubs need the name).
 */
export function renderIpxeScript(options: IpxeScriptOptions): string {
  const server = options.serverUrl.replace(/\/+$/, '');
  const kernelUrl = `${server}${options.kernelPath ?? DEFAULT_KERNEL_PATH}`;
  const initrdUrl = `${server}${options.initrdPath ?? DEFAULT_INITRD_PATH}`;
  return ['#!ipxe', 'echo Drover test guest ${net0/mac}', `kernel ${kernelUrl} ${guestKernelArgs(options).join(' ')}`, `initrd ${initrdUrl}`, 'boot', ''].join(
    '\n',
  );
}

/**
 * The base URL a guest used, from the Host header of its request (iPXE and busybox wget both send
 * it): lets a responder render URLs that work from wherever the guest stands.
 */
export function serverUrlFromHost(hostHeader: string | undefined, fallback: string): string {
  return hostHeader && /^[\w.:[\]-]+$/.test(hostHeader) ? `http://${hostHeader}` : fallback;
}

// ---------------------------------------------------------------------------------------------
// Serial output

/** One `DROVER-BEGIN name` ... `DROVER-END name rc=N` block the guest printed. */
export interface DroverBlock {
  name: string;
  /** Exactly what the endpoint returned (CR dropped). */
  body: string;
  /** busybox wget's exit status (0 ok, 1 HTTP error or refused, 143 timed out). */
  rc: number;
}

export interface DroverReport {
  blocks: DroverBlock[];
  /** Fields of the `DROVER-DHCP` line (ip, subnet, router, siaddr, serverid, boot_file). */
  dhcp: Record<string, string> | null;
  /** Fields of the `DROVER-PARAMS` line (server, mac, iface). */
  params: Record<string, string> | null;
  /** `DROVER-BOOTED` seen: the kernel ran /init. */
  booted: boolean;
  /** `DROVER-DONE` seen: /init finished and called poweroff. */
  done: boolean;
  /** `DROVER-ERROR`, `DROVER-WARN`, `DROVER-WGET-ERR` and `DROVER-DHCP-FAIL` lines. */
  problems: string[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)=(\S*)/g)) out[match[1]!] = match[2]!;
  return out;
}

/** Parses the guest's marker lines out of serial output; never throws (an unterminated block is a problem). */
export function parseDroverOutput(output: string): DroverReport {
  const report: DroverReport = { blocks: [], dhcp: null, params: null, booted: false, done: false, problems: [] };
  const lines = output.replace(/\r/g, '').split('\n');
  let open: { name: string; lines: string[] } | null = null;
  for (const raw of lines) {
    if (open) {
      const end = /^DROVER-END (\S+) rc=(\d+)$/.exec(raw);
      if (end && end[1] === open.name) {
        report.blocks.push({ name: open.name, body: open.lines.join('\n'), rc: Number(end[2]) });
        open = null;
      } else {
        open.lines.push(raw);
      }
      continue;
    }
    const line = raw.replace(ANSI, '');
    const begin = /^DROVER-BEGIN (\S+)$/.exec(line);
    if (begin) {
      open = { name: begin[1]!, lines: [] };
      continue;
    }
    const marker = /DROVER-([A-Z-]+)(?: (.*))?$/.exec(line);
    if (!marker) continue;
    const [, kind, rest = ''] = marker;
    if (kind === 'BOOTED') report.booted = true;
    else if (kind === 'DONE') report.done = true;
    else if (kind === 'DHCP') report.dhcp = fields(rest);
    else if (kind === 'PARAMS') report.params = fields(rest);
    else if (kind === 'ERROR' || kind === 'WARN' || kind === 'WGET-ERR' || kind === 'DHCP-FAIL') report.problems.push(`DROVER-${kind} ${rest}`.trim());
  }
  if (open) report.problems.push(`block ${open.name} has no DROVER-END (output cut off?)`);
  return report;
}

/** The last `count` lines of serial output, CRs and terminal escapes removed. */
export function lastLines(output: string, count = 40): string {
  return output.replace(/\r/g, '').replace(ANSI, '').split('\n').slice(-count).join('\n');
}

// ---------------------------------------------------------------------------------------------
// QEMU

/** Where Debian's ipxe-qemu puts the ROM QEMU loads for virtio-net-pci. */
const IPXE_ROM_CANDIDATES = ['/usr/lib/ipxe/qemu/efi-virtio.rom', '/usr/share/qemu/efi-virtio.rom'];

function runApt(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`apt-get ${args.join(' ')} failed: ${error.message}\n${stderr}`)) : resolve(),
    );
  });
}

let romInstall: Promise<void> | null = null;

/**
 * qemu-system-x86_64 (qemu-system-x86) and the iPXE ROM it needs for virtio-net-pci (ipxe-qemu, only
 * a Recommends of qemu-system-x86, so --no-install-recommends leaves it out). Installs them as root
 * like ensureBinary does; returns the path of qemu-system-x86_64.
 */
export async function ensureQemu(): Promise<string> {
  const qemu = await ensureBinary('qemu-system-x86_64', 'qemu-system-x86');
  if (!IPXE_ROM_CANDIDATES.some((file) => fs.existsSync(file))) {
    const command = 'apt-get install -y --no-install-recommends ipxe-qemu';
    if (process.getuid?.() !== 0 || process.env.DROVER_TEST_NO_APT === '1') {
      throw new Error(`QEMU's iPXE ROM (${IPXE_ROM_CANDIDATES[0]}) is missing. Install it with: ${command}`);
    }
    romInstall ??= runApt(['install', '-y', '--no-install-recommends', 'ipxe-qemu']).catch(async () => {
      await runApt(['update']);
      await runApt(['install', '-y', '--no-install-recommends', 'ipxe-qemu']);
    });
    await romInstall;
    if (!IPXE_ROM_CANDIDATES.some((file) => fs.existsSync(file))) throw new Error(`ipxe-qemu installed but no ${IPXE_ROM_CANDIDATES[0]}. Check: ${command}`);
  }
  return qemu;
}

/** QEMU -netdev/-device option values are comma separated; a literal comma is doubled. */
export function qemuOptionValue(text: string): string {
  return text.replace(/,/g, ',,');
}

/** The QEMU arguments shared by every netboot run, minus -netdev (the NIC uses netdev id n0). */
export function qemuNetbootArgs(options: { mac: string; memoryMb?: number }): string[] {
  return [
    '-accel',
    'tcg',
    '-nographic',
    '-no-reboot',
    '-no-user-config',
    '-m',
    String(options.memoryMb ?? 256),
    '-boot',
    'n',
    '-device',
    `virtio-net-pci,netdev=n0,mac=${options.mac}`,
  ];
}

export interface GuestRun {
  /** QEMU's exit code (0 after the guest's poweroff); null when it was killed. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Serial console and QEMU's own messages (newest 1 MiB), CRs removed. */
  output: string;
  /** The guest's DROVER-BEGIN/END blocks, in order. */
  markers: DroverBlock[];
  report: DroverReport;
  /** Killed after timeoutMs. */
  timedOut: boolean;
  /** null for a clean run (exit 0, DROVER-DONE, every block rc=0); otherwise what went wrong. */
  failure: string | null;
  /** Epoch ms when QEMU was spawned (compare with request times on the server). */
  startedAt: number;
  durationMs: number;
  command: readonly string[];
}

/** Patterns after which waiting longer is pointless (SeaBIOS retries the boot every 60 s). */
const HOPELESS = [/No bootable device/, /Kernel panic - not syncing/];

export interface RunQemuOptions {
  /** Full argv: the command (qemu, or `ip netns exec NS qemu...`) and its arguments. */
  argv: readonly string[];
  timeoutMs: number;
  name?: string;
}

/**
 * Runs a QEMU netboot to completion: captures output in a ring buffer, kills QEMU by PID (with
 * its socat children) on timeout or when the output shows the boot cannot succeed, and parses
 * the guest's markers. Registered with the harness cleanup while it runs. Never rejects for a
 * failed boot: see `failure`.
 */
export async function runQemuNetboot(options: RunQemuOptions): Promise<GuestRun> {
  const [command, ...args] = options.argv;
  if (!command) throw new Error('runQemuNetboot: empty argv');
  const startedAt = Date.now();
  const proc = await startProcess({ name: options.name ?? 'qemu netboot', command, args, logLimitBytes: 1024 * 1024, stopGraceMs: 1_000 });
  let timedOut = false;
  let hopeless: string | null = null;
  const deadline = startedAt + options.timeoutMs;
  while (!proc.exitStatus) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      timedOut = true;
      break;
    }
    await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, Math.min(250, remaining)))]);
    if (proc.exitStatus) break;
    const logs = proc.logs();
    const pattern = HOPELESS.find((p) => p.test(logs));
    if (pattern) {
      hopeless = `guest output matched ${pattern.source}`;
      break;
    }
  }
  const status = proc.exitStatus ?? (await proc.stop({ graceMs: 500 }));
  await proc.stop();
  const durationMs = Date.now() - startedAt;
  const output = proc.logs().replace(/\r/g, '');
  const report = parseDroverOutput(output);
  let failure: string | null = null;
  if (timedOut) failure = `QEMU did not power off within ${options.timeoutMs} ms`;
  else if (hopeless) failure = `boot failed: ${hopeless}`;
  else if (status.code !== 0) failure = `QEMU exited with code ${status.code} signal ${status.signal}`;
  else if (!report.booted) failure = 'QEMU exited before the guest ran /init (iPXE or kernel failed?)';
  else if (!report.done) failure = 'the guest stopped before DROVER-DONE (kernel panic or /init died?)';
  else if (report.problems.length > 0) failure = `the guest reported: ${report.problems.join('; ')}`;
  else if (report.blocks.some((b) => b.rc !== 0)) failure = `a fetch failed: ${report.blocks.map((b) => `${b.name} rc=${b.rc}`).join(', ')}`;
  return {
    exitCode: status.code,
    signal: status.signal,
    output,
    markers: report.blocks,
    report,
    timedOut,
    failure,
    startedAt,
    durationMs,
    command: options.argv,
  };
}

/** A readable assertion message: the failure, the command and the last serial lines. */
export function describeGuestRun(run: GuestRun, lines = 40): string {
  return [
    `netboot guest: ${run.failure ?? 'ok'} (${run.durationMs} ms, exit ${run.exitCode}${run.signal ? ` ${run.signal}` : ''})`,
    `command: ${run.command.join(' ')}`,
    `--- last ${lines} lines of serial output ---`,
    lastLines(run.output, lines),
    '--- end ---',
  ].join('\n');
}

export interface BootGuestOptions {
  /** Port of the HTTP responder on 127.0.0.1. */
  httpPort: number;
  /** Path (and query) of the iPXE script on that server, e.g. /api/v1/pxe. iPXE expands ${...} in it. */
  bootPath: string;
  /** MAC of the guest's virtio NIC, e.g. 52:54:00:12:34:56. */
  mac: string;
  /** Default 60 s. */
  timeoutMs?: number;
  /**
   * Isolate the guest (QEMU restrict=on): it can reach nothing but the responder, which it sees as
   * http://10.0.2.100 (port 80) through a socat guestfwd. Otherwise it sees http://10.0.2.2:PORT.
   */
  restrict?: boolean;
  memoryMb?: number;
}

/** The responder's base URL as a bootGuest() guest sees it. */
export function userNetServerUrl(httpPort: number, restrict = false): string {
  return restrict ? 'http://10.0.2.100' : `http://10.0.2.2:${httpPort}`;
}

/** QEMU user-mode networking: boots the guest from http://10.0.2.2:PORT<bootPath> (or the restricted form). */
export async function bootGuest(options: BootGuestOptions): Promise<GuestRun> {
  if (!Number.isInteger(options.httpPort) || options.httpPort <= 0 || options.httpPort > 65535) throw new Error(`bad httpPort ${options.httpPort}`);
  if (!options.bootPath.startsWith('/')) throw new Error(`bootPath must start with "/": ${options.bootPath}`);
  const qemu = await ensureQemu();
  const server = userNetServerUrl(options.httpPort, options.restrict);
  let netdev = `user,id=n0,bootfile=${qemuOptionValue(`${server}${options.bootPath}`)}`;
  if (options.restrict) {
    const socat = await ensureBinary('socat', 'socat');
    netdev += `,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:${socat} STDIO TCP:127.0.0.1:${options.httpPort}`;
  }
  return runQemuNetboot({
    argv: [qemu, ...qemuNetbootArgs({ mac: options.mac, memoryMb: options.memoryMb }), '-netdev', netdev],
    timeoutMs: options.timeoutMs ?? 60_000,
    name: `qemu netboot ${options.mac}`,
  });
}
