import type { ContractImpl } from '../contract/define';
import type { domainsContract } from '../contract/domains';
import { toDisposable } from '../contract/lifecycle';
import type { DomainsService } from './domains-service';

/** The domains contract over the service. */
export function domainsImpl(service: DomainsService): ContractImpl<typeof domainsContract> {
  return {
    live: (_input, sink) => service.subscribe(sink),
    listHosts: () => service.listHosts(),
    saveHost: (input) => service.saveHost(input),
    removeHost: async ({ id }) => {
      await service.removeHost(id);
      return null;
    },
    refresh: ({ hostId }) => {
      service.refresh(hostId);
      return null;
    },
    retryHost: ({ id }) => {
      service.retryHost(id);
      return null;
    },
    act: ({ hostId, domain, request }, ctx) => service.act(hostId, domain, request, ctx.signal),
    bulk: ({ request, targets }, sink) => {
      const ctrl = new AbortController();
      void service.bulk(targets, request, (e) => sink.next(e), ctrl.signal).then(
        () => sink.end(),
        (err: unknown) => sink.end(err),
      );
      return toDisposable(() => ctrl.abort());
    },
    details: ({ hostId, uuid }, ctx) => service.details(hostId, uuid, ctx.signal),
    consoleTarget: ({ hostId, uuid, force }) => service.consoleTarget(hostId, uuid, force),
  };
}
