import { defineMainFeature } from '../app/feature';
import { fleetFeature } from '../fleet/fleet-feature';
import { importSshConfigHosts } from '../tunnels/tunnel-service';
import { tunnelsFeature } from '../tunnels/tunnels-feature';
import { TerminalManager } from './terminal-manager';
import { terminalImpl } from './terminal-service';

/** Terminals: local ptys and SSH shells on the shared pool, and "run on hosts". */
export const terminalFeature = defineMainFeature({
  id: 'terminal',
  async create(ctx) {
    const manager = new TerminalManager({ pool: ctx.sshPool, env: ctx.env, clock: ctx.clock });
    const tunnels = ctx.use(tunnelsFeature);
    const impl = terminalImpl(manager, {
      profiles: () => tunnels.list(),
      sshConfig: () => importSshConfigHosts({ homeDir: ctx.env.HOME || undefined }),
      // Fleet is built after the terminal (main/app/features.ts), so it is looked up when asked;
      // the headless CLI builds no fleet.
      fleet: () => {
        try {
          return ctx.use(fleetFeature).hosts;
        } catch {
          return [];
        }
      },
    });
    return { service: manager, impl, disposable: manager };
  },
});
