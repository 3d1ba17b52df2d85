import { connect, createServer } from 'node:net';

/** A TCP port free on loopback right now, for child processes that cannot be told to pick one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a TCP connection to loopback `port` is refused right now. */
function refusesNow(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * A loopback port where nothing listens, and where nothing in this machine's tests will: below
 * Linux's ephemeral range (32768–60999), so no later `listen(0)` — a partner, an emulator — can be
 * handed it, as a port freed by `freePort` can be (a "refused" partner then answered 200).
 */
export async function unusedPort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await refusesNow(port)) return port;
  }
  throw new Error('no refused port found between 20000 and 32000 on loopback');
}
