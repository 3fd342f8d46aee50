import path from 'node:path';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';
import { EXIT_FAILURE, EXIT_OK, UsageError, stringOption, type CliCommand, type CliContext } from '../common/cli-command';
import { sessionWhere } from './miner-session';
import type { MinersService } from './miners-service';

const MINERS_HELP = `Usage: drover miners list [--config-dir DIR]
       drover miners snapshot <session name or id> [--config-dir DIR] [--timeout SEC]

list      one line per saved miner session: id, name, where it is read from
snapshot  reads the miner once (API or lotus-miner over SSH) and prints its snapshot as JSON
          (the typed MinerSnapshot: overview, workers, jobs, problems)

Options:
  --config-dir DIR  where miners.json, known_hosts and secrets live
  --timeout SEC     how long snapshot waits for the miner (default 120)
  -h, --help        show this help

Environment:
  DROVER_VAULT_PASSPHRASE  unlocks the secret vault (stored API tokens)`;

async function openMiners(ctx: CliContext, configDir: string | undefined): Promise<{ service: MinersService; dispose(): Promise<void> }> {
  const { tunnelsFeature } = await import('../tunnels/tunnels-feature');
  const { minersFeature } = await import('./miners-feature');
  const services = await ctx.createServices({ features: [tunnelsFeature, minersFeature], ...(configDir ? { configDir } : {}) });
  return { service: services.feature(minersFeature), dispose: () => services.disposeAsync() };
}

/** Waits for the session's first snapshot, or its first failure. */
export function firstSnapshot(service: MinersService, id: string, timeoutMs: number, clock: Clock = systemClock) {
  const s = service.sessionOf(id);
  return new Promise<NonNullable<typeof s.snapshot>>((resolve, reject) => {
    const check = () => {
      if (s.snapshot) done(() => resolve(s.snapshot!));
      else if (s.health.state === 'down') done(() => reject(s.health.cause ? AppError.fromData(s.health.cause) : new AppError('UNAVAILABLE', 'the miner could not be read')));
    };
    const timer = clock.setTimeout(() => done(() => reject(new AppError('TIMEOUT', `no answer from the miner within ${Math.round(timeoutMs / 1000)} s`))), timeoutMs);
    const sub = s.onDidChange(check);
    const done = (f: () => void) => {
      timer.dispose();
      sub.dispose();
      f();
    };
    check();
  });
}

/** `drover miners list|snapshot`, headless, on the same services as the app. */
export const minersCommand: CliCommand = {
  name: 'miners',
  summary: 'list saved lotus miner sessions, or print one miner\'s snapshot as JSON',
  help: MINERS_HELP,
  positionals: true,
  options: { 'config-dir': { type: 'string' }, timeout: { type: 'string' } },
  async run(values, positionals, io, ctx) {
    const [sub, name, ...extra] = positionals;
    if (sub !== 'list' && sub !== 'snapshot') throw new UsageError(sub ? `unknown miners command "${sub}"` : 'miners needs a command: list or snapshot', MINERS_HELP);
    if (extra.length || (sub === 'snapshot') !== (name !== undefined)) throw new UsageError(sub === 'snapshot' ? 'snapshot needs one session name' : 'list takes no arguments', MINERS_HELP);
    const timeoutText = stringOption(values, 'timeout');
    const timeoutSec = timeoutText === undefined ? 120 : Number(timeoutText);
    if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) throw new UsageError('--timeout must be a number of seconds', MINERS_HELP);
    const configDirValue = stringOption(values, 'config-dir');
    const m = await openMiners(ctx, configDirValue !== undefined ? path.resolve(configDirValue) : undefined);
    try {
      if (sub === 'list') {
        for (const item of m.service.list()) io.stdout(`${item.config.id}\t${item.config.name}\t${sessionWhere(item.config)}`);
        return EXIT_OK;
      }
      const config = m.service.find(name!);
      if (!config) {
        io.stderr(`no miner session "${name}" (drover miners list shows them)`);
        return EXIT_FAILURE;
      }
      try {
        const snap = await firstSnapshot(m.service, config.id, timeoutSec * 1000);
        io.stdout(JSON.stringify(snap));
        return EXIT_OK;
      } catch (err) {
        const e = AppError.from(err);
        io.stderr(`miner ${config.name}: ${e.message}`);
        if (e.hint) io.stderr(`  hint: ${e.hint}`);
        return EXIT_FAILURE;
      }
    } finally {
      await m.dispose();
    }
  },
};

export const minersCommands: readonly CliCommand[] = [minersCommand];
