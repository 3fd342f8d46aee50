/**
 * What the responder needs from etcd: one value by key. undefined means the key does not exist;
 * a rejection means etcd could not be asked (unreachable, timed out): the caller answers a
 * retryable 503 and never a partial env. Implementations must not put values in error messages.
 */
export interface EtcdReader {
  get(key: string, signal?: AbortSignal): Promise<string | undefined>;
}
