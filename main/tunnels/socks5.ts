import type net from 'node:net';
import { systemClock, type Clock } from '../contract/clock';
import { AppError } from '../contract/errors';

/** SOCKS5 reply codes (RFC 1928). */
export const SocksReply = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

export interface SocksRequest {
  host: string;
  port: number;
  /** Sends the reply; on success the socket is then a plain stream to the destination. */
  reply(code: number): void;
}

const MAX_HANDSHAKE_BYTES = 600;

/**
 * Reads a SOCKS5 greeting and CONNECT request (no authentication, as ssh -D). Domain names are
 * passed through unresolved so the SSH server resolves them (remote DNS). Bytes the client sent
 * after the request are put back into the socket. Rejects with INVALID_INPUT on anything else.
 */
export function readSocks5Request(socket: net.Socket, timeoutMs = 10_000, clock: Clock = systemClock): Promise<SocksRequest> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'request' = 'greeting';
    const timer = clock.setTimeout(() => fail(new AppError('TIMEOUT', 'SOCKS client sent no request in time')), timeoutMs);
    const cleanup = () => {
      timer.dispose();
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
    };
    const fail = (err: AppError, reply?: number) => {
      cleanup();
      if (reply !== undefined && socket.writable) {
        socket.end(Buffer.from([0x05, reply, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
      } else socket.destroy();
      reject(err);
    };
    const onError = (err: Error) => fail(new AppError('UNAVAILABLE', `SOCKS client: ${err.message}`));
    const onEnd = () => fail(new AppError('BAD_FRAME', 'SOCKS client closed during the handshake'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_HANDSHAKE_BYTES) return fail(new AppError('INVALID_INPUT', 'SOCKS handshake too long'));
      if (stage === 'greeting') {
        if (buf.length < 2) return;
        if (buf[0] !== 0x05) {
          socket.destroy();
          return fail(new AppError('INVALID_INPUT', `not a SOCKS5 client (version byte ${buf[0]})`));
        }
        const n = buf[1]!;
        if (buf.length < 2 + n) return;
        const methods = buf.subarray(2, 2 + n);
        buf = buf.subarray(2 + n);
        if (!methods.includes(0x00)) {
          socket.end(Buffer.from([0x05, 0xff]));
          cleanup();
          reject(new AppError('UNSUPPORTED', 'SOCKS client offers no method without authentication'));
          return;
        }
        socket.write(Buffer.from([0x05, 0x00]));
        stage = 'request';
      }
      if (stage === 'request') {
        if (buf.length < 4) return;
        if (buf[0] !== 0x05) return fail(new AppError('INVALID_INPUT', 'bad SOCKS request version'), SocksReply.generalFailure);
        if (buf[1] !== 0x01) return fail(new AppError('UNSUPPORTED', `SOCKS command ${buf[1]} is not supported (only CONNECT)`), SocksReply.commandNotSupported);
        const atyp = buf[3];
        let host: string;
        let offset: number;
        if (atyp === 0x01) {
          if (buf.length < 10) return;
          host = [...buf.subarray(4, 8)].join('.');
          offset = 8;
        } else if (atyp === 0x03) {
          if (buf.length < 5) return;
          const len = buf[4]!;
          if (buf.length < 5 + len + 2) return;
          host = buf.subarray(5, 5 + len).toString('latin1');
          offset = 5 + len;
          if (len === 0 || !/^[A-Za-z0-9._-]+$/.test(host)) return fail(new AppError('INVALID_INPUT', 'bad SOCKS domain name'), SocksReply.generalFailure);
        } else if (atyp === 0x04) {
          if (buf.length < 22) return;
          const parts: string[] = [];
          for (let i = 0; i < 16; i += 2) parts.push(buf.readUInt16BE(4 + i).toString(16));
          host = parts.join(':');
          offset = 20;
        } else {
          return fail(new AppError('UNSUPPORTED', `SOCKS address type ${atyp} is not supported`), SocksReply.addressTypeNotSupported);
        }
        const port = buf.readUInt16BE(offset);
        const rest = buf.subarray(offset + 2);
        cleanup();
        if (rest.length) socket.unshift(rest);
        resolve({
          host,
          port,
          reply(code) {
            if (!socket.writable) return;
            const msg = Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
            if (code === SocksReply.succeeded) socket.write(msg);
            else socket.end(msg);
          },
        });
      }
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
  });
}
