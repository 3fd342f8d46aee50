import { createHash } from 'node:crypto';

/**
 * SSH public key blobs (RFC 4253 §6.6 wire format, as in known_hosts and authorized_keys): just
 * enough structure to validate a blob and name its type, so a garbled known_hosts line is reported
 * instead of silently never matching.
 */

const EC_CURVES: Record<string, { curve: string; pointBytes: number }> = {
  'ecdsa-sha2-nistp256': { curve: 'nistp256', pointBytes: 65 },
  'ecdsa-sha2-nistp384': { curve: 'nistp384', pointBytes: 97 },
  'ecdsa-sha2-nistp521': { curve: 'nistp521', pointBytes: 133 },
  'sk-ecdsa-sha2-nistp256@openssh.com': { curve: 'nistp256', pointBytes: 65 },
};

/** Public key types a known_hosts line may carry (certificates are not host keys). */
export const SSH_PUBLIC_KEY_TYPES: readonly string[] = [
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

class BlobReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  string(what: string): Buffer {
    if (this.offset + 4 > this.buf.length) throw new Error(`truncated before ${what}`);
    const len = this.buf.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + len > this.buf.length) throw new Error(`truncated ${what}`);
    this.offset = start + len;
    return this.buf.subarray(start, start + len);
  }

  mpint(what: string): Buffer {
    const v = this.string(what);
    if (v.length === 0) throw new Error(`empty ${what}`);
    if (v[0]! & 0x80) throw new Error(`negative ${what}`);
    return v;
  }

  end(): void {
    if (this.offset !== this.buf.length) throw new Error('trailing data after the key');
  }
}

/** The key type named inside a blob, without validating the rest; undefined when unreadable. */
export function publicKeyBlobType(blob: Buffer): string | undefined {
  try {
    return new BlobReader(blob).string('key type').toString('latin1');
  } catch {
    return undefined;
  }
}

/**
 * Validates a public key blob and returns its type. Throws an Error saying what is wrong for a
 * blob that is truncated, has trailing bytes, or is of a type listed in SSH_PUBLIC_KEY_TYPES
 * but malformed; unknown types are refused too.
 */
export function parsePublicKeyBlob(blob: Buffer): { type: string } {
  const r = new BlobReader(blob);
  const type = r.string('key type').toString('latin1');
  switch (type) {
    case 'ssh-ed25519':
    case 'sk-ssh-ed25519@openssh.com': {
      if (r.string('ed25519 key').length !== 32) throw new Error('ed25519 key is not 32 bytes');
      if (type.startsWith('sk-')) r.string('application');
      break;
    }
    case 'ssh-rsa':
      r.mpint('rsa exponent');
      r.mpint('rsa modulus');
      break;
    case 'ssh-dss':
      for (const part of ['p', 'q', 'g', 'y']) r.mpint(`dsa ${part}`);
      break;
    default: {
      const ec = EC_CURVES[type];
      if (!ec) throw new Error(`unsupported key type ${JSON.stringify(type)}`);
      const curve = r.string('curve name').toString('latin1');
      if (curve !== ec.curve) throw new Error(`curve ${curve} does not match key type ${type}`);
      const point = r.string('ec point');
      if (point.length !== ec.pointBytes || point[0] !== 0x04) throw new Error('ec point is not an uncompressed point on the curve');
      if (type.startsWith('sk-')) r.string('application');
    }
  }
  r.end();
  return { type };
}

/** OpenSSH's default fingerprint: `SHA256:` + unpadded base64 of the SHA-256 of the blob. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Maps a signature / host key algorithm name to the key type it uses (rsa-sha2-* are ssh-rsa keys). */
export function keyTypeOfAlgorithm(algorithm: string): string {
  return algorithm === 'rsa-sha2-256' || algorithm === 'rsa-sha2-512' ? 'ssh-rsa' : algorithm;
}
