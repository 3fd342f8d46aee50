import type { ContractImpl } from '../contract/define';
import type { minersContract } from '../contract/miners';
import type { MinersService } from './miners-service';

/** The miners contract over the service (inputs are already checked by the contract's schemas). */
export function minersImpl(service: MinersService): ContractImpl<typeof minersContract> {
  return {
    list: () => service.list(),
    save: ({ config, ...tokens }) => service.save(config, tokens),
    remove: async ({ id }) => {
      await service.remove(id);
      return null;
    },
    testConnection: ({ config, minerToken, fullNodeToken }) => service.testConnection(config, { minerToken, fullNodeToken }),
    pollNow: ({ sessionId }) => {
      service.pollNow(sessionId);
      return null;
    },
    snapshot: ({ sessionId }) => service.snapshot(sessionId),
    live: (_input, sink) => service.live.subscribe(sink),
    history: ({ sessionId }) => service.history(sessionId),
    abortJob: async ({ sessionId, jobKey }, ctx) => {
      await service.abortJob(sessionId, jobKey, ctx.signal);
      return null;
    },
    setWorkerTasks: ({ sessionId, workerId, enable, disable, enabled }, ctx) => service.setWorkerTasks(sessionId, workerId, { enable, disable, enabled }, ctx.signal),
    dismissAlert: ({ alertId }) => {
      service.dismissAlert(alertId);
      return null;
    },
    workerTerminal: ({ sessionId, workerId }) => service.workerTerminal(sessionId, workerId),
  };
}
