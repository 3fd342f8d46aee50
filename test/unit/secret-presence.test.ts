import { describe, expect, it } from 'vitest';
import { SecretPresence } from '../../main/settings/secret-presence';

describe('which secrets the store holds', () => {
  it('answers from the last listing, and counts every named secret as there while the store cannot be listed', async () => {
    let locked = false;
    const p = new SecretPresence({
      list: async () => {
        if (locked) throw new Error('the vault is locked');
        return [{ id: 'etcd:farm:password' }] as never;
      },
    });
    expect(p.has('etcd:farm:password')).toBe(true); // not read yet: cannot tell, so assume it is there
    await p.refresh();
    expect(p.has('etcd:farm:password')).toBe(true);
    expect(p.has('miners:a:miner-token')).toBe(false);
    expect(p.has(undefined)).toBe(false);
    locked = true;
    await p.refresh();
    expect(p.has('miners:a:miner-token')).toBe(true);
  });
});
