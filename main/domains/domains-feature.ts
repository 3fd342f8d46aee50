import { defineMainFeature } from '../app/feature';
import { DomainHostStore } from './domain-host-store';
import { domainsImpl } from './domains-impl';
import { DomainsService } from './domains-service';
import { sshHostRunner } from './host-runner';

/** Domains: KVM hosts in domains.json, virsh over the shared SSH pool, one live table of every host's domains. */
export const domainsFeature = defineMainFeature({
  id: 'domains',
  async create(ctx) {
    const service = new DomainsService({
      store: new DomainHostStore(ctx.configDir, ctx.clock),
      runner: sshHostRunner(ctx.sshPool, ctx.clock),
      clock: ctx.clock,
      hostKeys: ctx.hostKeyPrompts,
      log: ctx.log,
    });
    for (const notice of await service.init()) ctx.notify(notice);
    return { service, impl: domainsImpl(service), disposable: service };
  },
});
