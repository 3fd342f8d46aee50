import net from 'node:net';

/** The only address the harness ever binds or dials. */
export const LOOPBACK = '127.0.0.1';

function listenOnce(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A TCP port that was free on 127.0.0.1 a moment ago: bind port 0, read the port, close.
 * Another process could take it before the caller binds it; on loopback with random ports that is rare.
 */
export async function getFreePort(host: string = LOOPBACK): Promise<number> {
  const [port] = await getFreePorts(1, host);
  return port!;
}

/** `count` distinct free ports (all held open at the same time, so they never repeat). */
export async function getFreePorts(count: number, host: string = LOOPBACK): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnce(host));
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}
