/**
 * A private layer-2 network for netboot tests: a network namespace holding a bridge, a tap for
 * QEMU, an address on the bridge (10.213.X.1/24, which exists only inside the namespace), a plain
 * dnsmasq DHCP server and a second dnsmasq in proxy-DHCP mode that points iPXE at an HTTP URL.
 * The guest gets a real lease, so an HTTP responder started INSIDE the namespace (runInNamespace)
 * sees the guest's real address instead of 127.0.0.1.
 *
 * Nothing leaves the namespace: there is no veth to the root namespace, no route out, and every
 * address used is inside 10.213.X.0/24 (and fd00:213:X::/64 for router advertisements). Needs root
 * (ip netns, /dev/net/tun). The namespace is deleted by dispose(), stopAll() or the exit hook.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { registerCleanup } from './cleanup';
import { ensureQemu, qemuNetbootArgs, runQemuNetboot, type GuestRun } from './netboot-guest';
import { isPidAlive, startProcess, type ManagedProcess, type StartProcessOptions } from './proc';
import { ensureBinary } from './require-binary';
import { makeTempDir, type TempDir } from './tmp';

const NAME_PREFIX = 'drover-nb-';

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: readonly string[], timeoutMs = 15_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: error && code === -1 ? `${stderr}${error.message}` : stderr });
    });
  });
}

async function mustExec(command: string, args: readonly string[]): Promise<string> {
  const result = await exec(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `pattern` appears in the process output; rejects with the output if it exits or times out first. */
export async function waitForOutput(proc: ManagedProcess, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(proc.logs());
    if (match) return match;
    if (proc.exitStatus) {
      throw new Error(`${proc.name} exited (code ${proc.exitStatus.code}) before printing ${pattern}:\n${proc.logs()}`);
    }
    if (Date.now() > deadline) throw new Error(`${proc.name} did not print ${pattern} within ${timeoutMs} ms:\n${proc.logs()}`);
    await sleep(25);
  }
}

/**
 * Null when this process can build a netns lab (root, `ip netns`, /dev/net/tun), otherwise why not.
 * A test that needs the lab should fail with this reason, not skip.
 */
export async function netnsSupport(): Promise<string | null> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces and taps need root';
  if (!fs.existsSync('/dev/net/tun')) return '/dev/net/tun is missing (no tun module / not allowed in this container)';
  const ip = await ensureBinary('ip', 'iproute2');
  const result = await exec(ip, ['netns', 'list']);
  return result.code === 0 ? null : `ip netns does not work here: ${result.stderr.trim()}`;
}

/** Deletes namespaces a killed test run left behind (name carries the owner PID, which must be dead). */
async function sweepStaleNamespaces(ip: string): Promise<void> {
  const { stdout } = await exec(ip, ['netns', 'list']);
  for (const line of stdout.split('\n')) {
    const name = line.trim().split(/\s+/)[0] ?? '';
    const owner = new RegExp(`^${NAME_PREFIX}(\\d+)-[0-9a-f]+$`).exec(name);
    if (owner && Number(owner[1]) !== process.pid && !isPidAlive(Number(owner[1]))) await exec(ip, ['netns', 'delete', name]);
  }
}

export interface NetnsLabOptions {
  /**
   * Send IPv6 router advertisements (ra-only) from the plain dnsmasq, on fd00:213:X::1/64. Without
   * them iPXE waits ~13 s for IPv6 autoconfiguration before it boots. Default true.
   */
  routerAdvertisements?: boolean;
}

export interface ProxyDhcpOptions {
  /** URL iPXE chains to, e.g. http://10.213.X.1:PORT/api/v1/pxe (served from inside the namespace). */
  bootUrl: string;
  /** PXE menu text. Default "Drover". */
  menuText?: string;
}

export interface NetnsBootOptions {
  mac: string;
  /** Default 60 s. */
  timeoutMs?: number;
  memoryMb?: number;
}

export interface DhcpLease {
  expires: number;
  mac: string;
  ip: string;
  hostname: string;
}

export interface NetnsLab {
  /** Namespace name, e.g. drover-nb-1234-9f3a2c. */
  readonly name: string;
  readonly bridge: string;
  readonly tap: string;
  /** 10.213.X.0/24 */
  readonly subnet: string;
  /** 10.213.X.1: the bridge's address, where servers in the namespace listen. */
  readonly hostAddress: string;
  /** First and last address the plain DHCP server hands out. */
  readonly dhcpRange: readonly [string, string];
  /** Temp dir for dnsmasq leases and pid files. */
  readonly dir: string;
  /** `ip netns exec NAME ...argv`. */
  namespacedArgv(argv: readonly string[]): string[];
  /** Runs a short command inside the namespace and returns its output. */
  exec(argv: readonly string[]): Promise<ExecResult>;
  /**
   * Starts a long-running process inside the namespace (startProcess: output ring buffer, stop by
   * PID, registered for cleanup). `ip netns exec` execs the command, so the PID is the command's.
   */
  runInNamespace(argv: readonly string[], options?: Omit<StartProcessOptions, 'command' | 'args'>): Promise<ManagedProcess>;
  /** Plain DHCP server (dnsmasq --no-ping) on the bridge; started by createNetnsLab. */
  readonly dhcp: ManagedProcess;
  /** Starts the proxy-DHCP dnsmasq (one at a time; a second call replaces the first). */
  startProxyDhcp(options: ProxyDhcpOptions): Promise<ManagedProcess>;
  /** Boots the guest with QEMU inside the namespace on the tap. */
  bootGuest(options: NetnsBootOptions): Promise<GuestRun>;
  /** Leases the plain DHCP server has written. */
  leases(): DhcpLease[];
  /** Stops everything started here and deletes the namespace. Idempotent. */
  dispose(): Promise<void>;
}

/** Creates the namespace, bridge, tap, addresses and the plain DHCP server. */
export async function createNetnsLab(options: NetnsLabOptions = {}): Promise<NetnsLab> {
  const unsupported = await netnsSupport();
  if (unsupported) throw new Error(`netboot netns lab: ${unsupported}`);
  const ip = await ensureBinary('ip', 'iproute2');
  const dnsmasq = await ensureBinary('dnsmasq', 'dnsmasq-base');
  await sweepStaleNamespaces(ip);

  const name = `${NAME_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`;
  const octet = randomInt(1, 255);
  const net = `10.213.${octet}`;
  const hostAddress = `${net}.1`;
  const ula = `fd00:213:${octet.toString(16)}::`;
  const bridge = 'br0';
  const tap = 'tap0';
  const processes: ManagedProcess[] = [];
  let tmp: TempDir | null = null;
  let deleted = false;

  await mustExec(ip, ['netns', 'add', name]);
  const deleteSync = (): void => {
    if (deleted) return;
    deleted = true;
    try {
      execFileSync(ip, ['netns', 'delete', name], { stdio: 'ignore', timeout: 10_000 });
    } catch {}
  };
  const unregister = registerCleanup({
    name: `network namespace ${name}`,
    cleanup: async () => {
      for (const proc of processes.splice(0).reverse()) await proc.stop();
      if (!deleted) {
        deleted = true;
        await exec(ip, ['netns', 'delete', name]);
      }
    },
    cleanupSync: deleteSync,
  });

  const inNs = (argv: readonly string[]): string[] => [ip, 'netns', 'exec', name, ...argv];
  const nsExec = (argv: readonly string[]): Promise<ExecResult> => {
    const [command, ...args] = inNs(argv);
    return exec(command!, args);
  };
  const nsMust = async (argv: readonly string[]): Promise<void> => {
    const result = await nsExec(argv);
    if (result.code !== 0) throw new Error(`in ${name}: ${argv.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  };
  const runInNamespace = async (argv: readonly string[], procOptions: Omit<StartProcessOptions, 'command' | 'args'> = { name: argv[0] ?? 'process' }): Promise<ManagedProcess> => {
    const [command, ...args] = inNs(argv);
    const proc = await startProcess({ ...procOptions, name: procOptions.name ?? argv[0] ?? 'process', command: command!, args });
    processes.push(proc);
    return proc;
  };

  try {
    tmp = await makeTempDir('drover-netns-');
    const dir = tmp.path;
    await nsMust([ip, 'link', 'set', 'lo', 'up']);
    await nsMust([ip, 'link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    await nsMust([ip, 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    await nsMust([ip, 'link', 'set', tap, 'master', bridge]);
    await nsMust([ip, 'addr', 'add', `${hostAddress}/24`, 'dev', bridge]);
    const ra = options.routerAdvertisements ?? true;
    if (ra) await nsMust([ip, '-6', 'addr', 'add', `${ula}1/64`, 'dev', bridge, 'nodad']);
    await nsMust([ip, 'link', 'set', tap, 'up']);
    await nsMust([ip, 'link', 'set', bridge, 'up']);

    const common = (tag: string): string[] => [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--port=0',
      '--bind-interfaces',
      `--interface=${bridge}`,
      '--log-facility=-',
      '--log-dhcp',
      '--user=root',
      `--pid-file=${path.join(dir, `${tag}.pid`)}`,
      `--dhcp-leasefile=${path.join(dir, `${tag}.leases`)}`,
    ];
    const dhcpArgs = [
      ...common('dhcp'),
      `--dhcp-range=${net}.100,${net}.199,255.255.255.0,10m`,
      '--no-ping',
      '--dhcp-authoritative',
      ...(ra ? ['--enable-ra', `--dhcp-range=${ula},ra-only`] : []),
    ];
    const dhcp = await runInNamespace([dnsmasq, ...dhcpArgs], { name: `dnsmasq dhcp (${name})`, stopGraceMs: 1_000 });
    await waitForOutput(dhcp, /DHCP, IP range/);

    let proxy: ManagedProcess | null = null;
    const startProxyDhcp = async (proxyOptions: ProxyDhcpOptions): Promise<ManagedProcess> => {
      if (/[\s,]/.test(proxyOptions.bootUrl)) throw new Error(`boot URL must not contain spaces or commas: ${proxyOptions.bootUrl}`);
      if (proxy) await proxy.stop();
      proxy = await runInNamespace(
        [
          dnsmasq,
          ...common('proxy'),
          `--dhcp-range=${net}.0,proxy,255.255.255.0`,
          '--dhcp-userclass=set:ipxe,iPXE',
          `--pxe-service=tag:ipxe,x86PC,${proxyOptions.menuText ?? 'Drover'},${proxyOptions.bootUrl}`,
        ],
        { name: `dnsmasq proxy-dhcp (${name})`, stopGraceMs: 1_000 },
      );
      await waitForOutput(proxy, /proxy on subnet/);
      return proxy;
    };

    const bootGuest = async (bootOptions: NetnsBootOptions): Promise<GuestRun> => {
      const qemu = await ensureQemu();
      return runQemuNetboot({
        argv: inNs([
          qemu,
          ...qemuNetbootArgs({ mac: bootOptions.mac, memoryMb: bootOptions.memoryMb }),
          '-netdev',
          `tap,id=n0,ifname=${tap},script=no,downscript=no`,
        ]),
        timeoutMs: bootOptions.timeoutMs ?? 60_000,
        name: `qemu netboot ${bootOptions.mac} (${name})`,
      });
    };

    const leases = (): DhcpLease[] => {
      let text = '';
      try {
        text = fs.readFileSync(path.join(dir, 'dhcp.leases'), 'utf8');
      } catch {}
      return text
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((f) => f.length >= 4)
        .map(([expires, mac, address, hostname]) => ({ expires: Number(expires), mac: mac!, ip: address!, hostname: hostname! }));
    };

    let disposed: Promise<void> | null = null;
    const dispose = (): Promise<void> => {
      disposed ??= (async () => {
        for (const proc of processes.splice(0).reverse()) await proc.stop();
        if (!deleted) {
          deleted = true;
          const result = await exec(ip, ['netns', 'delete', name]);
          if (result.code !== 0) throw new Error(`ip netns delete ${name} failed: ${result.stderr.trim()}`);
        }
        unregister();
        await tmp?.remove();
      })();
      return disposed;
    };

    return {
      name,
      bridge,
      tap,
      subnet: `${net}.0/24`,
      hostAddress,
      dhcpRange: [`${net}.100`, `${net}.199`],
      dir,
      namespacedArgv: inNs,
      exec: nsExec,
      runInNamespace,
      dhcp,
      startProxyDhcp,
      bootGuest,
      leases,
      dispose,
    };
  } catch (error) {
    for (const proc of processes.splice(0).reverse()) await proc.stop();
    deleteSync();
    unregister();
    await (tmp as TempDir | null)?.remove();
    throw error;
  }
}
