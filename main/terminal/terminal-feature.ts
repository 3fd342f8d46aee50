import { defineMainFeature } from '../app/feature';
import { TerminalManager } from './terminal-manager';
import { terminalImpl } from './terminal-service';

/** Terminals: local ptys and SSH shells on the shared pool, and "run on hosts". */
export const terminalFeature = defineMainFeature({
  id: 'terminal',
  async create(ctx) {
    const manager = new TerminalManager({ pool: ctx.sshPool, env: ctx.env, clock: ctx.clock });
    return { service: manager, impl: terminalImpl(manager), disposable: manager };
  },
});
