import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from './cleanup';
import { startProcess, type ManagedProcess } from './proc';
import { ensureBinary } from './require-binary';
import { makeTempDir } from './tmp';

/**
 * An unprivileged libvirtd whose test driver keeps state between virsh calls.
 *
 * - `test:///ABSOLUTE/PATH/lab.xml` (no daemon) loads the lab fresh on every connection: good
 *   for reads, useless for lifecycle (a `suspend` is gone by the next call).
 * - Through a daemon, `test+unix:///default?socket=…` is one shared driver state that lives while
 *   at least one connection is open. The harness keeps one open (`virsh event --all --loop`).
 *   A custom file through the daemon (`test+unix:///PATH/lab.xml?socket=…`) works but, like
 *   test:///PATH, every connection gets its own fresh copy, so the harness instead fills
 *   /default with the lab: it removes the built-in "test" domain, defines the lab domains
 *   (`create` for transient ones) and brings each to its state (start, suspend, managedsave).
 *
 * libvirtd runs as `nobody` when the tests run as root (setpriv, no groups), else as the current
 * user; either way in session mode with HOME and XDG_* under a temp dir, so it never touches
 * /etc/libvirt or /run/libvirt. Stopped by PID with its children; the temp dir is removed.
 */

export const LAB_XML_PATH = fileURLToPath(new URL('../fixtures/virsh/lab.xml', import.meta.url));

export type LabState = 'running' | 'paused' | 'shut off';

export interface LabDomain {
  name: string;
  uuid: string;
  state: LabState;
  transient: boolean;
  /** Shut off with a managed-save image ("saved" in `virsh list --managed-save`). */
  managedSave: boolean;
}

export interface ExtraLabDomain {
  name: string;
  uuid?: string;
  state?: LabState;
  vcpus?: number;
  memoryKiB?: number;
}

export interface LibvirtdOptions {
  /** Fill /default with the lab of LAB_XML_PATH (default true). The built-in "test" domain is removed either way when true. */
  lab?: boolean;
  /** More domains (after the lab), e.g. with names that carry a test's marker path. */
  extraDomains?: readonly ExtraLabDomain[];
  readyTimeoutMs?: number;
}

export interface VirshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LibvirtdHandle {
  readonly dir: string;
  readonly socketPath: string;
  /** test+unix:///default?socket=… — stateful while the harness runs. */
  readonly uri: string;
  /** test:///…/lab.xml (a copy in the temp dir): stateless, for reads. */
  readonly labUri: string;
  readonly labXmlPath: string;
  /** A directory the daemon may write (virsh save files: the daemon writes them, not virsh). */
  readonly stateDir: string;
  /** The user libvirtd runs as. */
  readonly daemonUser: string;
  readonly pid: number;
  readonly keeperPid: number;
  /** The domains as set up (lab, then extras). */
  readonly domains: readonly LabDomain[];
  /** Runs virsh locally against `uri` (argv, no shell, C locale). */
  virsh(args: readonly string[], uri?: string): Promise<VirshResult>;
  logs(): string;
  /** Stops the keeper connection, libvirtd and its children, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

interface LabEntry extends LabDomain {
  xml: string;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', apos: "'", quot: '"' };

function xmlText(s: string): string {
  return s.replace(/&(amp|lt|gt|apos|quot);/g, (_m, e: string) => XML_ENTITIES[e]!);
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const RUNSTATE: Record<number, LabState> = { 1: 'running', 3: 'paused', 5: 'shut off' };

/** The lab's domains as written in the node XML (our own fixture, so a simple reader is enough). */
export function readLabDomains(nodeXml: string): LabEntry[] {
  const out: LabEntry[] = [];
  for (const m of nodeXml.matchAll(/<domain\b[\s\S]*?<\/domain>/g)) {
    const xml = m[0];
    const name = /<name>([\s\S]*?)<\/name>/.exec(xml)?.[1];
    const uuid = /<uuid>([\s\S]*?)<\/uuid>/.exec(xml)?.[1];
    if (name === undefined || uuid === undefined) throw new Error(`lab domain without name or uuid: ${xml.slice(0, 200)}`);
    const runstate = Number(/<test:runstate>(\d+)<\/test:runstate>/.exec(xml)?.[1] ?? 1);
    const state = RUNSTATE[runstate];
    if (!state) throw new Error(`lab domain ${name}: runstate ${runstate} is not 1, 3 or 5`);
    const managedSave = /<test:hasmanagedsave\s*\/>/.test(xml);
    out.push({ name: xmlText(name), uuid: uuid.toLowerCase(), state, transient: /<test:transient\s*\/>/.test(xml), managedSave, xml });
  }
  return out;
}

function extraDomainXml(d: ExtraLabDomain, uuid: string): string {
  return [
    '<domain type="test">',
    `  <name>${xmlEscape(d.name)}</name>`,
    `  <uuid>${uuid}</uuid>`,
    `  <memory unit="KiB">${d.memoryKiB ?? 1048576}</memory>`,
    `  <vcpu>${d.vcpus ?? 1}</vcpu>`,
    '  <os><type>hvm</type></os>',
    '  <devices><memballoon model="virtio"/></devices>',
    '</domain>',
  ].join('\n');
}

function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<VirshResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // execFile's error.code is the exit code, or a string for spawn errors; killed → null.
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function lookupUser(name: string): { uid: number; gid: number } | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {}
  return null;
}

const SAFE_BATCH_WORD = /^[A-Za-z0-9@:._=/-]+$/;

function batch(commands: string[][]): string {
  for (const c of commands) for (const w of c) if (!SAFE_BATCH_WORD.test(w)) throw new Error(`unsafe word in a virsh batch: ${w}`);
  return commands.map((c) => c.join(' ')).join('; ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startLibvirtd(options: LibvirtdOptions = {}): Promise<LibvirtdHandle> {
  const libvirtd = await ensureBinary('libvirtd', 'libvirt-daemon');
  const virsh = await ensureBinary('virsh', 'libvirt-clients');
  const isRoot = process.getuid?.() === 0;
  const setpriv = isRoot ? await ensureBinary('setpriv', 'util-linux') : '';
  const nobody = isRoot ? lookupUser('nobody') : null;
  if (isRoot && !nobody) throw new Error('startLibvirtd: running as root but there is no user "nobody" to run libvirtd as');
  const daemonUser = isRoot ? 'nobody' : os.userInfo().username;

  const tmp = await makeTempDir('drover-libvirtd-');
  const dir = tmp.path;
  let daemon: ManagedProcess | null = null;
  let keeper: ManagedProcess | null = null;
  let stopped = false;
  const unregister = registerCleanup({ name: `libvirtd in ${dir}`, cleanup: () => stop() });

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    unregister();
    await keeper?.stop();
    await daemon?.stop();
    await tmp.remove();
  }

  try {
    // mkdtemp makes the dir 0700: nobody must be able to reach its own dirs inside.
    await fsp.chmod(dir, 0o755);
    const sub = (name: string) => path.join(dir, name);
    for (const d of ['home', 'run', 'config', 'cache', 'state']) await fsp.mkdir(sub(d), { mode: 0o755 });
    if (nobody) for (const d of ['home', 'run', 'config', 'cache', 'state']) await fsp.chown(sub(d), nobody.uid, nobody.gid);
    const socketPath = path.join(dir, 'run', 'libvirt', 'libvirt-sock');
    const uri = `test+unix:///default?socket=${socketPath}`;
    const labXmlPath = path.join(dir, 'lab.xml');
    await fsp.copyFile(LAB_XML_PATH, labXmlPath);
    await fsp.chmod(labXmlPath, 0o644);
    const labUri = `test://${labXmlPath}`;
    const clientEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, LC_ALL: 'C.UTF-8' };
    const virshRun = (args: readonly string[], u = uri) => run(virsh, ['-c', u, ...args], clientEnv);

    const daemonEnv: NodeJS.ProcessEnv = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: sub('home'),
      XDG_RUNTIME_DIR: sub('run'),
      XDG_CONFIG_HOME: sub('config'),
      XDG_CACHE_HOME: sub('cache'),
      LC_ALL: 'C',
    };
    const command = isRoot ? setpriv : libvirtd;
    const args = isRoot ? [`--reuid=${nobody!.uid}`, `--regid=${nobody!.gid}`, '--clear-groups', '--', libvirtd] : [];
    daemon = await startProcess({
      name: 'libvirtd',
      command,
      args,
      env: daemonEnv,
      cwd: sub('home'),
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      readyIntervalMs: 100,
      ready: async () => fs.existsSync(socketPath) && (await virshRun(['uri'])).code === 0,
    });

    // The keeper connection: /default lives while one connection is open.
    keeper = await startProcess({ name: 'virsh-keeper', command: virsh, args: ['-c', uri, 'event', '--all', '--loop'], env: clientEnv });

    // Ready when state survives between two connections: a probe domain defined in one call is
    // still there in the next one (only true once the keeper is connected).
    const probeUuid = randomUUID();
    const probeXml = path.join(dir, 'probe.xml');
    await fsp.writeFile(probeXml, extraDomainXml({ name: 'drover-harness-probe' }, probeUuid));
    const deadline = Date.now() + 15_000;
    for (;;) {
      await virshRun(['define', probeXml]);
      if ((await virshRun(['dominfo', probeUuid])).code === 0) break;
      if (keeper.exitStatus) throw new Error(`virsh keeper exited: ${keeper.logs()}`);
      if (Date.now() > deadline) throw new Error(`libvirtd test driver state does not persist between connections\n${daemon.logs()}`);
      await sleep(100);
    }
    const setup: string[][] = [['undefine', probeUuid]];

    const domains: LabDomain[] = [];
    // The built-in "test" domain goes: the driver holds exactly the lab (and the extras).
    setup.push(['destroy', 'test'], ['undefine', 'test']);
    const entries = options.lab ?? true ? readLabDomains(await fsp.readFile(LAB_XML_PATH, 'utf8')) : [];
    const extras = (options.extraDomains ?? []).map((d): LabEntry => {
      const uuid = (d.uuid ?? randomUUID()).toLowerCase();
      return { name: d.name, uuid, state: d.state ?? 'shut off', transient: false, managedSave: false, xml: extraDomainXml(d, uuid) };
    });
    const defDir = path.join(dir, 'define');
    await fsp.mkdir(defDir);
    for (const [i, e] of [...entries, ...extras].entries()) {
      const file = path.join(defDir, `domain-${i}.xml`);
      // Define files carry no test: elements; the state is reached with real commands below.
      await fsp.writeFile(file, e.xml.replace(/\s*<test:[a-z]+(?:>[^<]*<\/test:[a-z]+>|\s*\/>)/g, ''));
      if (e.transient) setup.push(['create', file]);
      else {
        setup.push(['define', file]);
        if (e.state !== 'shut off' || e.managedSave) setup.push(['start', e.uuid]);
        if (e.state === 'paused') setup.push(['suspend', e.uuid]);
        if (e.managedSave) setup.push(['managedsave', e.uuid]);
      }
      domains.push({ name: e.name, uuid: e.uuid, state: e.managedSave ? 'shut off' : e.state, transient: e.transient, managedSave: e.managedSave });
    }
    const done = await virshRun([batch(setup)]);
    if (/^error: /m.test(done.stderr)) throw new Error(`setting up the lab failed:\n${done.stderr}`);
    // Check the result with a fresh connection.
    const check = await virshRun(['list', '--all', '--uuid']);
    const listed = new Set(check.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
    const missing = domains.filter((d) => !listed.has(d.uuid));
    if (missing.length > 0 || listed.size !== domains.length) {
      throw new Error(`the lab is not as expected: missing ${missing.map((d) => d.name).join(', ')}; listed ${[...listed].join(', ')}`);
    }

    const d = daemon;
    const k = keeper;
    return {
      dir,
      socketPath,
      uri,
      labUri,
      labXmlPath,
      stateDir: sub('state'),
      daemonUser,
      get pid() {
        return d.pid;
      },
      get keeperPid() {
        return k.pid;
      },
      domains,
      virsh: (a, u) => virshRun(a, u),
      logs: () => d.logs(),
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
