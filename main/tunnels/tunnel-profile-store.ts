import { systemClock, type Clock } from '../contract/clock';
import { TunnelProfileSchema, type TunnelProfile } from '../contract/tunnels';
import { RecordListFile } from '../settings/record-list-file';

export const TUNNELS_FILE_NAME = 'tunnels.json';

/** Tunnel profiles in tunnels.json beside settings.json (record-list-file.ts). */
export class TunnelProfileStore extends RecordListFile<TunnelProfile> {
  constructor(configDir: string, clock: Clock = systemClock) {
    super({ configDir, fileName: TUNNELS_FILE_NAME, what: 'tunnel profiles', noticeKey: 'tunnels', listKey: 'profiles', itemSchema: TunnelProfileSchema, maxBytes: 8 * 1024 * 1024, clock });
  }
}
