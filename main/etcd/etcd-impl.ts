import type { ContractImpl } from '../contract/define';
import type { etcdContract } from '../contract/etcd';
import type { EtcdService } from './etcd-service';

/** The etcd contract over the service (inputs are already checked by the contract's schemas). */
export function etcdImpl(service: EtcdService): ContractImpl<typeof etcdContract> {
  return {
    sessions: (_input, sink) => service.sessionsLive.subscribe(sink),
    saveSession: ({ config, password, clearPassword }) => service.saveSession(config, { password, clearPassword }),
    removeSession: async ({ id }) => {
      await service.removeSession(id);
      return null;
    },
    testSession: ({ config, password }) => service.testSession(config, password),
    connect: ({ sessionId }) => service.connect(sessionId),
    disconnect: ({ sessionId }) => {
      service.disconnect(sessionId);
      return null;
    },
    status: ({ sessionId }) => service.status(sessionId),
    statusLive: ({ sessionId }, sink) => service.subscribeStatus(sessionId, sink),
    children: ({ sessionId, parent, cursor, limit }) => service.treeChildren(sessionId, parent, cursor, limit),
    countPrefixes: ({ sessionId, prefixes, revision }) => service.countPrefixes(sessionId, prefixes, revision),
    keys: ({ sessionId, prefix, cursor, limit }) => service.keys(sessionId, prefix, cursor, limit),
    values: ({ sessionId, prefix, cursor, budgetBytes, maxCount }) => service.values(sessionId, prefix, { cursor, budgetBytes, maxCount }),
    get: ({ sessionId, key, revision }) => service.get(sessionId, key, revision),
    update: ({ sessionId, ...req }) => service.update(sessionId, req),
    create: ({ sessionId, ...req }) => service.create(sessionId, req),
    deleteKey: ({ sessionId, key, expectedModRevision }) => service.deleteKey(sessionId, key, expectedModRevision),
    planDeletePrefix: ({ sessionId, prefix }) => service.planDeletePrefix(sessionId, prefix),
    deletePrefix: ({ sessionId, ...req }) => service.deletePrefix(sessionId, req),
    inspectBackup: ({ file }) => service.inspectBackup(file),
    restoreBackup: ({ sessionId, file }) => service.restoreBackup(sessionId, file),
    exportPrefix: ({ sessionId, ...req }) => service.exportPrefix(sessionId, req),
    importFile: ({ sessionId, ...req }) => service.importFile(sessionId, req),
    history: ({ sessionId, key, fromRevision, limit }) => service.history(sessionId, key, fromRevision, limit),
    restoreRevision: ({ sessionId, key, revision, expectedModRevision }) => service.restoreRevision(sessionId, key, revision, expectedModRevision),
    leases: ({ sessionId }) => service.leases(sessionId),
    envTable: ({ sessionId, kind, after }) => service.envTable(sessionId, kind, after),
    checkEnv: ({ sessionId, kind, id, text }) => service.checkEnv(sessionId, kind, id, text),
    saveEnv: ({ sessionId, ...req }) => service.saveEnv(sessionId, req),
    mergedEnv: ({ sessionId, uuid, mac }) => service.mergedEnv(sessionId, uuid, mac),
    watch: ({ sessionId, prefix }, sink) => service.subscribeWatch(sessionId, prefix, sink),
  };
}
