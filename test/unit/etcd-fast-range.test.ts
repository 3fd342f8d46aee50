import { Etcd3 } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRangeResponse } from '../../main/etcd/fast-range';

// etcd3's own protobuf definitions are the oracle: encode with them, decode with ours.
const client = new Etcd3({ hosts: 'http://127.0.0.1:9' });
afterAll(() => client.close());

async function serializer(): Promise<(value: unknown) => Buffer> {
  const pool = (client as unknown as { pool: { withConnection: (s: string, fn: (a: { client: { constructor: { service: Record<string, { responseSerialize: (v: unknown) => Buffer }> } } }) => unknown) => Promise<unknown> } }).pool;
  return (await pool.withConnection('KV', ({ client: c }) => c.constructor.service.Range!.responseSerialize)) as (value: unknown) => Buffer;
}

describe('decodeRangeResponse', () => {
  it('reads what etcd3 encodes: keys, values, revisions, 63-bit lease ids, more, count', async () => {
    const encode = await serializer();
    const kvs = [
      { key: Buffer.from('/a'), value: Buffer.from('x'), create_revision: '2', mod_revision: '9007199254740991', version: '3', lease: '7587869125843040000' },
      { key: Buffer.from([0xff, 0x00]), value: Buffer.alloc(0), create_revision: '1', mod_revision: '1', version: '1', lease: '0' },
      { key: Buffer.from('/neg'), value: Buffer.from([1, 2, 3]), create_revision: '5', mod_revision: '6', version: '2', lease: '-1' },
    ];
    const buf = encode({ header: { cluster_id: '18446744073709551615', member_id: '1', revision: '123456', raft_term: '2' }, kvs, more: true, count: '100000' });
    const r = decodeRangeResponse(buf);
    expect(r.revision).toBe(123456);
    expect(r.more).toBe(true);
    expect(r.count).toBe(100000);
    expect(r.kvs).toHaveLength(3);
    expect(r.kvs[0]).toMatchObject({ createRevision: 2, modRevision: 9007199254740991, version: 3, lease: '7587869125843040000' });
    expect(r.kvs[0]!.key.toString()).toBe('/a');
    expect(r.kvs[0]!.value.toString()).toBe('x');
    expect(r.kvs[1]!.key.equals(Buffer.from([0xff, 0x00]))).toBe(true);
    expect(r.kvs[1]!.value.length).toBe(0);
    expect(r.kvs[2]!.lease).toBe('-1');
    expect(Buffer.from(r.kvs[2]!.value).equals(Buffer.from([1, 2, 3]))).toBe(true);
  });

  it('decodes an empty reply and refuses a truncated one', async () => {
    const encode = await serializer();
    expect(decodeRangeResponse(encode({ header: { revision: '7' }, kvs: [], more: false, count: '0' }))).toEqual({ kvs: [], more: false, count: 0, revision: 7 });
    const full = encode({ header: { revision: '7' }, kvs: [{ key: Buffer.from('/k'), value: Buffer.from('v'), create_revision: '1', mod_revision: '1', version: '1', lease: '0' }], more: false, count: '1' });
    expect(() => decodeRangeResponse(full.subarray(0, full.length - 3))).toThrow(/truncated/);
  });
});
