/**
 * s3rver for the packaging benchmark, in a process of its own so its memory is not counted as the
 * packaging's: `packaging-server.ts <dir>` serves <dir> with the content and packages buckets, sends
 * `{ready: port}`, answers `{cmd:'peak'}` with its peak RSS since the last ask (sampled every 10 ms),
 * and ends on `{cmd:'stop'}`.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3Client } from '#adapters/aws/clients.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: packaging-server.ts <dir>');
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
const { port } = await s3.run();
const client = s3Client('us-east-1', `http://127.0.0.1:${port}`);
for (const Bucket of ['loa-content', 'loa-packages']) await client.send(new CreateBucketCommand({ Bucket }));
client.destroy();

let peak = process.memoryUsage.rss();
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 10);
process.on('message', async (m: { cmd: string }) => {
  if (m.cmd === 'peak') {
    process.send?.({ peakRss: Math.max(peak, process.memoryUsage.rss()) });
    peak = process.memoryUsage.rss();
  } else if (m.cmd === 'stop') {
    clearInterval(timer);
    await s3.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: port });
