import { systemClock, type Clock } from '../contract/clock';
import { DomainHostConfigSchema, type DomainHostConfig } from '../contract/domains';
import { RecordListFile } from '../settings/record-list-file';

export const DOMAINS_FILE_NAME = 'domains.json';

/** The KVM hosts of the Domains page in `domains.json` beside settings.json (record-list-file.ts). */
export class DomainHostStore extends RecordListFile<DomainHostConfig> {
  constructor(configDir: string, clock: Clock = systemClock) {
    super({ configDir, fileName: DOMAINS_FILE_NAME, what: 'KVM hosts', noticeKey: 'domains', listKey: 'hosts', itemSchema: DomainHostConfigSchema, maxBytes: 4 * 1024 * 1024, idOf: (h) => h.id, clock });
  }
}
