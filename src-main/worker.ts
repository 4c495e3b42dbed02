/**
 * Worker process entry. It answers heartbeats so the pool can tell a live worker from a stuck one;
 * stage tasks arrive over the same channel (see engine/).
 */
import { z } from 'zod';
import { connectToParent } from './worker-channel.ts';

const ParentMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal('shutdown') }),
]);

const channel = connectToParent();

channel.onMessage((raw) => {
  const parsed = ParentMessage.safeParse(raw);
  if (!parsed.success) {
    channel.send({ type: 'error', message: `worker: unknown message: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'ping': {
      const { rss, heapUsed } = process.memoryUsage();
      channel.send({ type: 'pong', seq: message.seq, pid: process.pid, rss, heapUsed, channel: channel.kind });
      break;
    }
    case 'shutdown':
      process.exit(0);
  }
});

channel.send({ type: 'ready', pid: process.pid });
