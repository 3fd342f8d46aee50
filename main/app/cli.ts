import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../contract/errors';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, parsePort, waitForStop, type CliCommand, type CliContext, type CliIo, type CliValues } from '../common/cli-command';
import { checkBindAddress } from '../host/web-auth';
import { packageVersion } from '../host/package-root';
import { FEATURES } from './features';

/**
 * `drover <command>`: the headless entry point (bin/drover.mjs, dist/main/drover.mjs). The core
 * command is `serve`; every feature adds its own (main/app/features.ts). stdout carries only what
 * a script may parse (the serve URL line); everything else is stderr.
 */

export type { CliIo } from '../common/cli-command';

const SERVE_HELP = `Usage: drover serve [--host ADDR] [--port N] [--allow-remote] [--config-dir DIR]

Serves the Drover UI and its API to a browser: HTTP (the built renderer) and a WebSocket, behind
a random per-run token. Prints one line to stdout, "Drover web UI: <url with token>"; logs go to
stderr. Runs until Ctrl-C (SIGINT) or SIGTERM.

Options:
  --host ADDR       address to listen on (default 127.0.0.1); a non-loopback address needs --allow-remote
  --port N          port to listen on (default 0: a random free port)
  --allow-remote    allow a non-loopback --host such as 0.0.0.0: other machines can then reach Drover
  --config-dir DIR  where settings live (default $DROVER_CONFIG_DIR or the platform config folder)
  -h, --help        show this help

Environment:
  DROVER_WEB_TOKEN  use this token instead of a random one (16-512 of A-Z a-z 0-9 _ -), so that a
                    host restarted on the same port keeps its open tabs`;

const serveCommand: CliCommand = {
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
  async run(values, _positionals, io, ctx) {
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
    const { startWebHost } = await import('../host/web-host');

    const stop = waitForStop(io);
    try {
      const services = await ctx.createServices({ ...(configDir ? { configDir } : {}), transport: 'web' });
      try {
        const webHost = await startWebHost({
          routes: services.routes,
          host,
          port,
          allowRemote,
          ...(staticDir ? { staticDir } : {}),
          // A supervisor that restarts the host on the same port may keep the token, so open tabs reconnect.
          ...(io.env.DROVER_WEB_TOKEN ? { token: io.env.DROVER_WEB_TOKEN } : {}),
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

// ---- dispatch ----

const COMMANDS: readonly CliCommand[] = [serveCommand, ...FEATURES.flatMap((f) => f.commands ?? [])];

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
  return command.run(parsed.values as CliValues, parsed.positionals, io, cliContext(io));
}

/** Commands get their services from the one composition root; notices go to stderr as well. */
function cliContext(io: CliIo): CliContext {
  return {
    async createServices(options) {
      const { createServices } = await import('./create-services');
      return createServices({
        ...options,
        transport: options.transport ?? 'cli',
        env: io.env,
        onNotice: (n) => io.stderr(`${n.level}: ${n.message}`),
      });
    },
  };
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
