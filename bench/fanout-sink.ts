/**
 * The partner of the fan-out benchmark, in its own process so it does not share an event loop with
 * Loa: a loopback server that reads each POST, notes when it arrived and which article it carried,
 * and answers 200 at once. Driven over IPC: `{cmd: 'take'}` answers with what arrived since the last
 * take; `{cmd: 'stop'}` ends it. Prints nothing; sends `{ready: port}` once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Receive time (epoch ms, sub-millisecond) and the article id, per request. */
let arrivals: { t: number; article: string }[] = [];
let bytes = 0;
// The ninjs `uri` of the article is `<base>/articles/<id>"`; its assets' URIs continue past the id.
const ARTICLE = /\/articles\/([^"/]+)"/;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const t = performance.timeOrigin + performance.now();
    const body = Buffer.concat(chunks).toString('utf8');
    bytes += body.length;
    arrivals.push({ t, article: ARTICLE.exec(body)?.[1] ?? '' });
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' }).end('ok\n');
  });
});
server.keepAliveTimeout = 30_000;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: (server.address() as AddressInfo).port });
});

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'take') {
    process.send?.({ arrivals, bytes });
    arrivals = [];
    bytes = 0;
  } else if (msg.cmd === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
