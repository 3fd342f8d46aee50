import { defineMainFeature } from '../app/feature';
import { minersImpl } from './miners-impl';
import { MinersService } from './miners-service';

/** Miners: lotus-miner sessions (miners.json, tokens in the secret store) over the JSON-RPC API or the CLI over SSH. */
export const minersFeature = defineMainFeature({
  id: 'miners',
  create() {
    const service = new MinersService();
    return Promise.resolve({ service, impl: minersImpl(service), disposable: { dispose: () => service.dispose() } });
  },
});
