/**
 * What the responder needs from etcd: one value by key. undefined means the key does not exist;
 * a rejection means etcd could not be asked (unreachable, timed out): the caller answers a
 * retryable 503 and never a partial env. Implementations must not put values in error messages.
 */
export interface EtcdReader {
  get(key: string, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Several values in one round trip, all from the same revision, in the order of keys (optional:
   * a reader without it is asked key by key). Rejects as get does; never a partial answer.
   */
  getMany?(keys: readonly string[], signal?: AbortSignal): Promise<(string | undefined)[]>;
}
