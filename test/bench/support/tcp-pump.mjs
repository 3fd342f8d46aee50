// Load generator and sink for the tunnel benchmark, in a process of its own so the process under
// test (Drover's, or ssh) does only tunnel work. Started with an IPC channel by tunnel.bench.ts:
//   -> { type: 'ready', sinkPort }
//   <- { type: 'run', id, port, bytes, timeoutMs }   send `bytes` to 127.0.0.1:port, half-close,
//   -> { type: 'result', id, seconds, reply } | { type: 'result', id, error }   wait for the reply
// The sink reads and discards, and answers with the byte count when the sender half-closes.
// The process exits when its parent goes away.
import { randomFillSync } from 'node:crypto';
import net from 'node:net';

const CHUNK = 256 * 1024;
const pool = randomFillSync(Buffer.alloc(4 * 1024 * 1024));

const sink = net.createServer({ allowHalfOpen: true, noDelay: true }, (sock) => {
  let n = 0;
  sock.on('error', () => undefined);
  sock.on('data', (d) => {
    n += d.length;
  });
  sock.on('end', () => sock.end(String(n)));
});

function pump(port, bytes, timeoutMs) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
    let sent = 0;
    let offset = 0;
    let started = 0n;
    let reply = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`transfer of ${bytes} bytes through port ${port} did not finish within ${timeoutMs} ms (${sent} sent)`));
    }, timeoutMs);
    const write = () => {
      while (sent < bytes) {
        const n = Math.min(CHUNK, bytes - sent, pool.length - offset);
        const chunk = pool.subarray(offset, offset + n);
        offset = (offset + n) % pool.length;
        sent += n;
        if (!sock.write(chunk)) return; // 'drain' calls write() again
      }
      sock.end();
    };
    sock.on('drain', write);
    sock.on('data', (d) => {
      reply += d.toString('latin1');
    });
    sock.on('end', () => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      sock.destroy();
      if (reply !== String(bytes)) reject(new Error(`the sink counted ${JSON.stringify(reply)} bytes, ${bytes} were sent (port ${port})`));
      else resolve({ seconds, reply });
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('connect', () => {
      started = process.hrtime.bigint();
      write();
    });
  });
}

process.on('message', (msg) => {
  if (msg?.type !== 'run') return;
  pump(msg.port, msg.bytes, msg.timeoutMs).then(
    (r) => process.send({ type: 'result', id: msg.id, ...r }),
    (err) => process.send({ type: 'result', id: msg.id, error: String(err?.message ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));

sink.listen(0, '127.0.0.1', () => process.send({ type: 'ready', sinkPort: sink.address().port }));
