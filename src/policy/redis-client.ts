/**
 * The one way the policy stores reach Redis: no offline queue and one retry per command, so a call
 * whose state is unreachable fails at once (and the caller fails closed) instead of waiting. ioredis
 * loads only when Redis is configured.
 */
import type { Redis } from 'ioredis';

export async function connectRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (n) => Math.min(n * 200, 2000),
  });
  redis.on('error', () => {}); // every command reports its own failure; callers fail closed
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url.replace(/\/\/[^@]*@/, '//***@')}: ${(error as Error).message}`);
  }
  return redis;
}
