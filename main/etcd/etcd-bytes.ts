/**
 * Key ranges the way etcd defines them: [key, rangeEnd), where a rangeEnd of one zero byte means
 * "to the end of the keyspace". etcd refuses an empty key, so "every key" is [\0, \0).
 */

export interface KeyRange {
  key: Buffer;
  rangeEnd: Buffer;
}

const ZERO = Buffer.from([0]);

/** The smallest key greater than every key with this prefix (etcd's GetPrefixRangeEnd); \0 when there is none. */
export function prefixEnd(prefix: Uint8Array): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return Buffer.from(ZERO);
}

/** The range of every key starting with prefix (the whole keyspace for an empty prefix). */
export function prefixRange(prefix: Uint8Array): KeyRange {
  if (prefix.length === 0) return { key: Buffer.from(ZERO), rangeEnd: Buffer.from(ZERO) };
  return { key: Buffer.from(prefix), rangeEnd: prefixEnd(prefix) };
}

/** The smallest key after `key`: continuation ranges start here (key > lastKey). */
export function keyAfter(key: Uint8Array): Buffer {
  return Buffer.concat([key, ZERO]);
}

/** Whether key lies in [range.key, range.rangeEnd). */
export function inRange(key: Uint8Array, range: KeyRange): boolean {
  if (Buffer.compare(key, range.key) < 0) return false;
  if (range.rangeEnd.length === 1 && range.rangeEnd[0] === 0) return true;
  return Buffer.compare(key, range.rangeEnd) < 0;
}

export function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  return Buffer.compare(key.subarray(0, prefix.length), prefix) === 0;
}

export function asBuffer(bytes: Uint8Array | string): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
