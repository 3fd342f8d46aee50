import { AppError } from '../contract/errors';
import type { NetbootRecord, TimelineEvent } from '../contract/netboot';
import { EXIT_FAILURE, EXIT_OK, UsageError, parsePort, stringOption, type CliCommand, type CliIo } from '../common/cli-command';
import { NetbootConfigFile } from './config-file';
import { formatConfigProblem } from './config-validation';
import { generateDnsmasqConfig } from './dnsmasq-config';
import { NetbootServer } from './netboot-server';

/**
 * `drover netboot serve|check|dnsmasq`: the responder without the UI, for a rescue box when the
 * farm master is down or a new site's first machine. It runs on the config file alone: no
 * settings, SSH or secrets are needed, so it starts on a bare machine (and inside a network
 * namespace) without a Drover config dir; that is why it builds the NetbootServer itself
 * instead of going through createServices.
 */

const HELP = `Usage: drover netboot serve --config FILE [--host ADDR] [--port N] [--quiet]
       drover netboot check --config FILE
       drover netboot dnsmasq --config FILE [--mode dhcp|proxy] [--interface NAME]... [--no-tftp]

serve    Runs the netboot responder (GET /api/v1/pxe, /api/v1/get-config,
         /api/v1/get-initial-config and /boot/<file>) on the config file. Every step of the
         boot timeline is logged to stderr: time, MAC (or address), address, subnet, step,
         outcome, HTTP status, file, and why (never env values). SIGHUP reloads the config
         file: an invalid file is refused, the running config kept, and the reason logged.
         SIGTERM or Ctrl-C stop it (every connection closed, the port freed) and exit 0.
         Exits 1 when it cannot start (invalid config, port in use).
check    Validates the config file; prints one problem per line on stdout (path, subnet,
         message) and exits 1 when there is any.
dnsmasq  Prints the dnsmasq config for the config's subnets on stdout: full DHCP (--mode dhcp,
         the default) or proxy-DHCP beside an existing DHCP server (--mode proxy).

Options:
  --config FILE     the netboot config (JSON; see resources/netboot/sample-config.json)
  --host ADDR       listen on this address instead of the config's listen.host
  --port N          listen on this port instead of the config's listen.port
  --quiet           serve: log lifecycle, reloads and errors only, not every step
  --mode MODE       dnsmasq: dhcp or proxy
  --interface NAME  dnsmasq: answer on this interface only (repeatable)
  --no-tftp         dnsmasq: do not serve the iPXE binaries over TFTP
  -h, --help        show this help`;

function eventDetails(e: TimelineEvent): string {
  const parts: string[] = [];
  if (e.path !== undefined) parts.push(e.path);
  if (e.bytes !== undefined) parts.push(`${e.bytes} bytes`);
  if (e.durationMs !== undefined) parts.push(`${Math.round(e.durationMs)} ms`);
  if (e.count > 1) parts.push(`x${e.count}`);
  return parts.join(' ');
}

/** One stderr line per timeline change worth a line (steps and machines turned stuck); never env values. */
export function describeRecord(r: NetbootRecord): string | undefined {
  if (r.change === 'removed') return undefined;
  const m = r.machine;
  const who = `${m.mac ?? '(no MAC)'} ${m.ip} [${m.subnet ?? 'no subnet'}]`;
  if (r.change === 'stuck') return `netboot: ${who} stuck after "${m.lastStep}"${m.reason ? `: ${m.reason}` : ''}`;
  const e = r.event;
  const details = eventDetails(e);
  return `netboot: ${who} ${e.step} ${e.outcome} ${e.status}${details ? ` ${details}` : ''}${e.reason ? `: ${e.reason}` : ''}`;
}

interface ServeSignals {
  stopped: Promise<string>;
  release(): void;
}

/** SIGINT/SIGTERM (or io.stop) stop, SIGHUP reloads; a second stop signal exits at once. */
function serveSignals(io: CliIo, reload: () => void): ServeSignals {
  let stopping = false;
  let resolveStop!: (why: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr(`${signal} again: exiting without cleaning up`);
      process.exit(130);
    }
    stopping = true;
    resolveStop(signal);
  };
  const onHup = () => reload();
  const onAbort = () => {
    stopping = true;
    resolveStop('stop requested');
  };
  if (io.handleSignals) {
    process.on('SIGINT', onStop);
    process.on('SIGTERM', onStop);
    process.on('SIGHUP', onHup);
  }
  if (io.stop?.aborted) onAbort();
  else io.stop?.addEventListener('abort', onAbort, { once: true });
  return {
    stopped,
    release() {
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      process.off('SIGHUP', onHup);
      io.stop?.removeEventListener('abort', onAbort);
    },
  };
}

function configOption(values: Record<string, unknown>): string {
  const file = stringOption(values as Record<string, string | boolean | undefined>, 'config');
  if (file === undefined || file === '') throw new UsageError('--config FILE is required', HELP);
  return file;
}

function reportError(io: CliIo, err: unknown): void {
  const e = AppError.from(err);
  io.stderr(`drover netboot: ${e.message}`);
  const problems = e.details?.problems;
  if (Array.isArray(problems)) for (const p of problems.slice(0, 50)) io.stderr(`  ${String(p)}`);
  if (e.hint) io.stderr(e.hint);
}

async function serve(values: Record<string, unknown>, io: CliIo): Promise<number> {
  const file = configOption(values);
  const host = stringOption(values as Record<string, string | undefined>, 'host');
  const portText = stringOption(values as Record<string, string | undefined>, 'port');
  const port = portText === undefined ? undefined : parsePort(portText, HELP);
  const quiet = values.quiet === true;
  const log = (line: string) => io.stderr(`${new Date().toISOString()} ${line}`);
  const configFile = new NetbootConfigFile(file);
  const server = new NetbootServer({
    configFile,
    ...(host !== undefined || port !== undefined ? { listen: { ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) } } : {}),
    log,
  });
  if (!quiet) {
    server.onDidRecord((r) => {
      const line = describeRecord(r);
      if (line) log(line);
    });
  }
  let reloading = false;
  const signals = serveSignals(io, () => {
    if (reloading) return;
    reloading = true;
    log('netboot: SIGHUP: reloading the config file');
    server
      .reloadConfig()
      .then((report) => {
        if (!report.ok) for (const p of report.problems.slice(0, 50)) log(`netboot:   ${formatConfigProblem(p)}`);
        if (server.status.restartRequired) log('netboot: the listen address or header limit changed: restart the responder to use them');
      })
      .catch((err: unknown) => log(`netboot: reload failed: ${AppError.from(err).message}`))
      .finally(() => (reloading = false));
  });
  try {
    try {
      await server.start();
    } catch (err) {
      reportError(io, err);
      return EXIT_FAILURE;
    }
    const why = await signals.stopped;
    log(`netboot: ${why}: stopping the responder`);
    await server.stop();
    return EXIT_OK;
  } finally {
    signals.release();
    await server.disposeAsync();
  }
}

async function check(values: Record<string, unknown>, io: CliIo): Promise<number> {
  const configFile = new NetbootConfigFile(configOption(values));
  const report = await configFile.load();
  for (const p of report.problems) io.stdout(formatConfigProblem(p));
  io.stderr(report.message);
  return report.ok ? EXIT_OK : EXIT_FAILURE;
}

async function dnsmasq(values: Record<string, unknown>, io: CliIo): Promise<number> {
  const configFile = new NetbootConfigFile(configOption(values));
  const report = await configFile.load();
  const cfg = configFile.current;
  if (!cfg) {
    io.stderr(`drover netboot: ${report.message}`);
    for (const p of report.problems.slice(0, 50)) io.stderr(`  ${formatConfigProblem(p)}`);
    return EXIT_FAILURE;
  }
  const mode = stringOption(values as Record<string, string | undefined>, 'mode') ?? 'dhcp';
  if (mode !== 'dhcp' && mode !== 'proxy') throw new UsageError(`--mode must be dhcp or proxy, not "${mode}"`, HELP);
  const raw = values.interface;
  const interfaces = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : typeof raw === 'string' ? [raw] : [];
  try {
    const out = generateDnsmasqConfig(cfg, { mode, interfaces, tftp: values['no-tftp'] !== true });
    for (const w of out.warnings) io.stderr(`warning: ${w}`);
    io.stdout(out.text.replace(/\n$/, ''));
    return EXIT_OK;
  } catch (err) {
    io.stderr(`drover netboot: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILURE;
  }
}

export const netbootCommand: CliCommand = {
  name: 'netboot',
  summary: 'run the netboot responder headless (`netboot serve --config FILE`), check a config, print its dnsmasq config',
  help: HELP,
  positionals: true,
  options: {
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    quiet: { type: 'boolean' },
    mode: { type: 'string' },
    interface: { type: 'string', multiple: true },
    'no-tftp': { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const [sub, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, HELP);
    if (sub === 'serve') return serve(values, io);
    if (sub === 'check') return check(values, io);
    if (sub === 'dnsmasq') return dnsmasq(values, io);
    throw new UsageError(sub ? `unknown netboot command "${sub}"` : 'netboot needs a command: serve, check or dnsmasq', HELP);
  },
};
