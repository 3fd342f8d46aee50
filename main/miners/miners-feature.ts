import { defineMainFeature } from '../app/feature';
import { fleetFeature } from '../fleet/fleet-feature';
import type { FleetService } from '../fleet/fleet-service';
import { tunnelsFeature } from '../tunnels/tunnels-feature';
import { minersCommands } from './miners-command';
import { minersImpl } from './miners-impl';
import { MinerSessionStore } from './miner-session-store';
import { MinersService } from './miners-service';

/** Miners: lotus-miner sessions in miners.json (tokens in the secret store), over the JSON-RPC API (direct or through a tunnel) or lotus-miner over SSH. */
export const minersFeature = defineMainFeature({
  id: 'miners',
  commands: minersCommands,
  async create(ctx) {
    // Fleet is optional (the headless `drover miners` builds tunnels and miners only).
    let fleet: ReturnType<typeof ctx.use<FleetService>> | undefined;
    try {
      fleet = ctx.use(fleetFeature);
    } catch {
      fleet = undefined;
    }
    const service = new MinersService({
      clock: ctx.clock,
      secrets: ctx.secretStore,
      tunnels: ctx.use(tunnelsFeature),
      sshPool: ctx.sshPool,
      ...(fleet ? { fleet: { lookup: (q) => fleet.lookup(q), workerHardware: (id) => fleet.workerHardware(id) } } : {}),
      store: new MinerSessionStore(ctx.configDir, ctx.clock),
      log: ctx.log,
    });
    for (const notice of await service.init()) ctx.notify(notice);
    return { service, impl: minersImpl(service), disposable: { dispose: () => service.disposeAsync() } };
  },
});
