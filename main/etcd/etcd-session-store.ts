import type { Clock } from '../contract/clock';
import { EtcdSessionConfigSchema, type EtcdSessionConfig } from '../contract/etcd';
import { RecordListFile } from '../settings/record-list-file';

export const ETCD_SESSIONS_FILE_NAME = 'etcd-sessions.json';

/**
 * Saved etcd sessions in etcd-sessions.json beside settings.json (record-list-file.ts). Passwords
 * are never in this file: a session names its secret-store id.
 */
export class EtcdSessionStore extends RecordListFile<EtcdSessionConfig> {
  constructor(configDir: string, clock: Clock) {
    super({ configDir, fileName: ETCD_SESSIONS_FILE_NAME, what: 'etcd sessions', noticeKey: 'etcdSessions', listKey: 'sessions', itemSchema: EtcdSessionConfigSchema, maxBytes: 4 * 1024 * 1024, idOf: (s) => s.id, clock });
  }
}
