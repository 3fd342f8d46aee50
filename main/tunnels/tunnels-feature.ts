import { defineMainFeature } from '../app/feature';
import { tunnelCommand } from './tunnel-command';
import { TunnelManager } from './tunnel-manager';
import { TunnelProfileStore } from './tunnel-profile-store';
import { tunnelsImpl } from './tunnel-service';

/** Tunnels: profiles in tunnels.json, runners on the shared SSH pool, `drover tunnel`. */
export const tunnelsFeature = defineMainFeature({
  id: 'tunnels',
  commands: [tunnelCommand],
  async create(ctx) {
    const manager = new TunnelManager({ pool: ctx.sshPool, store: new TunnelProfileStore(ctx.configDir, ctx.clock), log: ctx.log, clock: ctx.clock });
    for (const notice of await manager.init({ autostart: ctx.transport !== 'cli' })) ctx.notify(notice);
    return { service: manager, impl: tunnelsImpl(manager), disposable: manager };
  },
});
