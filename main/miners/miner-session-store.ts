import type { Clock } from '../contract/clock';
import { MinerSessionConfigSchema, type MinerSessionConfig } from '../contract/miners';
import { RecordListFile } from '../settings/record-list-file';

export const MINER_SESSIONS_FILE_NAME = 'miners.json';

/**
 * Saved miner sessions in miners.json beside settings.json (record-list-file.ts). Tokens are never
 * in this file: a session names their secret-store ids.
 */
export class MinerSessionStore extends RecordListFile<MinerSessionConfig> {
  constructor(configDir: string, clock: Clock) {
    super({ configDir, fileName: MINER_SESSIONS_FILE_NAME, what: 'miner sessions', noticeKey: 'minerSessions', listKey: 'sessions', itemSchema: MinerSessionConfigSchema, maxBytes: 4 * 1024 * 1024, idOf: (s) => s.id, clock });
  }
}
