import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../contract/errors';
import { hopLabel } from '../contract/ssh';
import { checkBindAddress } from '../host/web-auth';
import { packageVersion } from '../host/package-root';

/**
 * `drover <command>`: the headless entry point (bin/drover.mjs, dist/main/drover.mjs).
 * stdout carries only what a script may parse (the serve URL line); everything else is stderr.
 * A command is one entry of COMMANDS; `tunnel` and `netboot` join them later.
 */

export interface CliIo {
  /** One line of machine-readable output. */
  stdout(line: string): void;
  /** One line of diagnostics. */
  stderr(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Ends long-running commands the way SIGINT/SIGTERM do (for tests and in-process callers). */
  stop?: AbortSignal;
  /** Whether long-running commands listen for SIGINT/SIGTERM/SIGHUP. Default true. */
  handleSignals: boolean;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: Options;
  readonly positionals?: boolean;
  run(values: Values, positionals: string[], io: CliIo): Promise<number>;
}

/** A wrong command line: message, then usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

// ---- serve ----

export function parsePort(text: string, usage: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${text}"`, usage);
  return Number(text);
}

const SERVE_HELP = `Usage: drover serve [--host ADDR] [--port N] [--allow-remote] [--config-dir DIR]

Serves the Drover UI and its API to a browser: HTTP (the built renderer) and a WebSocket, behind
a random per-run token. Prints one line to stdout, "Drover web UI: <url with token>"; logs go to
stderr. Runs until Ctrl-C (SIGINT) or SIGTERM.

Options:
  --host ADDR       address to listen on (default 127.0.0.1); a non-loopback address needs --allow-remote
  --port N          port to listen on (default 0: a random free port)
  --allow-remote    allow a non-loopback --host such as 0.0.0.0: other machines can then reach Drover
  --config-dir DIR  where settings live (default $DROVER_CONFIG_DIR or the platform config folder)
  -h, --help        show this help`;

/** Resolves when the command should stop: a signal or io.stop. A second signal exits at once. */
function waitForStop(io: CliIo): { stopped: Promise<string>; release(): void } {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let stopping = false;
  let resolveStop!: (why: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr(`${signal} again: exiting without cleaning up`);
      process.exit(130);
    }
    stopping = true;
    resolveStop(signal);
  };
  const onAbort = () => {
    stopping = true;
    resolveStop('stop requested');
  };
  if (io.handleSignals) for (const s of signals) process.on(s, onSignal);
  if (io.stop?.aborted) onAbort();
  else io.stop?.addEventListener('abort', onAbort, { once: true });
  return {
    stopped,
    release() {
      for (const s of signals) process.off(s, onSignal);
      io.stop?.removeEventListener('abort', onAbort);
    },
  };
}

const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'serve the UI and API to a browser on 127.0.0.1 (no Electron needed)',
  help: SERVE_HELP,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'allow-remote': { type: 'boolean' },
    'config-dir': { type: 'string' },
    // Hidden (tests, packaging): the folder of the built renderer; also $DROVER_STATIC_DIR.
    'static-dir': { type: 'string' },
  },
  async run(values, _positionals, io) {
    const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
    const port = parsePort(typeof values.port === 'string' ? values.port : '0', SERVE_HELP);
    const allowRemote = values['allow-remote'] === true;
    const configDir = typeof values['config-dir'] === 'string' ? path.resolve(values['config-dir']) : undefined;
    const staticValue = typeof values['static-dir'] === 'string' ? values['static-dir'] : io.env.DROVER_STATIC_DIR;
    const staticDir = staticValue ? path.resolve(staticValue) : undefined;
    try {
      checkBindAddress(host, allowRemote);
    } catch (err) {
      const e = AppError.from(err);
      io.stderr(`drover serve: ${e.message}`);
      if (e.hint) io.stderr(e.hint);
      return EXIT_USAGE;
    }

    // Loaded here so that --help and --version stay fast.
    const { createServices } = await import('./create-services');
    const { startWebHost } = await import('../host/web-host');

    const stop = waitForStop(io);
    try {
      const services = await createServices({ transport: 'web', env: io.env, ...(configDir ? { configDir } : {}) });
      try {
        const webHost = await startWebHost({
          routes: services.routes,
          host,
          port,
          allowRemote,
          ...(staticDir ? { staticDir } : {}),
          log: (line) => io.stderr(line),
        });
        try {
          io.stdout(`Drover web UI: ${webHost.url}`);
          io.stderr(`Serving ${webHost.staticDir} and the API at ${webHost.origin} (settings in ${services.configDir}). Press Ctrl-C to stop.`);
          const why = await stop.stopped;
          io.stderr(`${why}: stopping the web host`);
        } finally {
          await webHost.close();
        }
      } finally {
        services.dispose();
      }
    } catch (err) {
      const e = AppError.from(err);
      io.stderr(`drover serve: ${e.message}`);
      if (e.hint) io.stderr(e.hint);
      return EXIT_FAILURE;
    } finally {
      stop.release();
    }
    return EXIT_OK;
  },
};

// ---- tunnel ----

const TUNNEL_HELP = `Usage: drover tunnel up <profile> [--config-dir DIR] [--accept-new]
       drover tunnel up --import "<autossh or ssh command line>" [--allow-lan] [--accept-new]
       drover tunnel list [--config-dir DIR]

Runs one SSH tunnel without the UI: a drop-in for an autossh container. Every state change is
logged to stderr. Exits 1 on a permanent failure (login rejected, host key changed or revoked,
port in use) and 0 when stopped by SIGTERM or Ctrl-C. Transient failures are retried with backoff.

Options:
  --import TEXT     run the tunnel an autossh/ssh command line describes (not saved)
  --allow-lan       let forwards listen on non-loopback addresses (e.g. -L 10.40.23.250:8086:...)
  --accept-new      accept and record unknown host keys (changed keys are always refused)
  --config-dir DIR  where profiles, known_hosts and secrets live
  -h, --help        show this help

Environment:
  DROVER_VAULT_PASSPHRASE  unlocks the secret vault (stored passwords, key passphrases)
  DROVER_LOG=debug         also log every SSH connection step`;

const tunnelCommand: CommandSpec = {
  name: 'tunnel',
  summary: 'run an SSH tunnel headless (`tunnel up <profile>` or `tunnel up --import "autossh ..."`)',
  help: TUNNEL_HELP,
  positionals: true,
  options: {
    import: { type: 'string' },
    'allow-lan': { type: 'boolean' },
    'accept-new': { type: 'boolean' },
    'config-dir': { type: 'string' },
  },
  async run(values, positionals, io) {
    const [sub, name, ...extra] = positionals;
    const { defaultConfigDir } = await import('./create-services');
    const configDir = typeof values['config-dir'] === 'string' ? path.resolve(values['config-dir']) : defaultConfigDir(io.env);
    if (sub === 'list') {
      const { TunnelProfileStore } = await import('../tunnels/tunnel-profile-store');
      const { forwardLabel } = await import('../contract/tunnels');
      const { profiles, notices } = await new TunnelProfileStore(configDir).load();
      for (const n of notices) io.stderr(n.message);
      for (const p of profiles) io.stdout(`${p.name}\t${hopLabel(p.target)}\t${p.forwards.map(forwardLabel).join(', ')}`);
      return EXIT_OK;
    }
    if (sub !== 'up') throw new UsageError(sub ? `unknown tunnel command "${sub}"` : 'tunnel needs a command: up or list', TUNNEL_HELP);
    const importText = typeof values.import === 'string' ? values.import : undefined;
    if (extra.length || (importText === undefined) === (name === undefined)) {
      throw new UsageError('give either a profile name or --import "<command line>"', TUNNEL_HELP);
    }
    const { runTunnelUp } = await import('../tunnels/tunnel-cli');
    const stop = waitForStop(io);
    try {
      return await runTunnelUp({
        ...(name !== undefined ? { profile: name } : {}),
        ...(importText !== undefined ? { importText } : {}),
        allowLan: values['allow-lan'] === true,
        acceptNewHostKeys: values['accept-new'] === true,
        configDir,
        env: io.env,
        log: (line) => io.stderr(`${new Date().toISOString()} ${line}`),
        stopped: stop.stopped,
      });
    } finally {
      stop.release();
    }
  },
};

// ---- dispatch ----

const COMMANDS: readonly CommandSpec[] = [serveCommand, tunnelCommand];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: drover <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (`drover <command> --help` for a command)',
    '  -V, --version  print the version',
    '',
    'The desktop app starts with `npm start`.',
  ].join('\n');
}

function parseOrUsage(config: ParseArgsConfig, usageText: string): ReturnType<typeof parseArgs> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), usageText);
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  const globalArgs = first < 0 ? [...argv] : argv.slice(0, first);
  const global = parseOrUsage(
    {
      args: globalArgs,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } },
      strict: true,
      allowPositionals: false,
    },
    usage(),
  );
  if (global.values.help) {
    io.stdout(usage());
    return EXIT_OK;
  }
  if (global.values.version) {
    io.stdout(packageVersion());
    return EXIT_OK;
  }
  if (first < 0) throw new UsageError('no command given', usage());
  const name = argv[first] ?? '';
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"`, usage());
  const parsed = parseOrUsage(
    {
      args: argv.slice(first + 1),
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: command.positionals ?? false,
    },
    command.help,
  );
  if (parsed.values.help) {
    io.stdout(command.help);
    return EXIT_OK;
  }
  return command.run(parsed.values as Values, parsed.positionals, io);
}

/** Runs the CLI and returns the exit code; bin/drover.mjs sets it on the process. */
export async function main(argv: readonly string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    handleSignals: true,
    ...ioOverrides,
  };
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`drover: ${err.message}`);
      io.stderr('');
      io.stderr(err.usage);
      return EXIT_USAGE;
    }
    const e = AppError.from(err);
    io.stderr(`drover: ${e.message}`);
    if (e.hint) io.stderr(e.hint);
    return EXIT_FAILURE;
  }
}
