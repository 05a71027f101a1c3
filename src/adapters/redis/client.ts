// The Redis connection (REDIS_URL): short timeouts, no offline queue and endless reconnection, so that a
// Redis outage fails commands fast (the callers fall back) instead of hanging requests, and ends by itself.
import { Redis } from 'ioredis'

export interface RedisLog {
  info(details: Record<string, unknown>, message: string): void
  error(details: Record<string, unknown>, message: string): void
}

export interface RedisOptions {
  url: string
  /** Milliseconds a command may take before it fails. */
  commandTimeoutMs: number
  log: RedisLog
}

export function openRedis({ url, commandTimeoutMs, log }: RedisOptions): Redis {
  const redis = new Redis(url, {
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    commandTimeout: commandTimeoutMs,
    // Commands sent while disconnected fail at once rather than wait in a queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect forever, backing off to one attempt every two seconds.
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
    lazyConnect: true,
  })
  // Logged once per outage, not once per failed command or reconnection attempt.
  let down = false
  const lost = (error?: Error) => {
    if (down) return
    down = true
    log.error({ err: error }, 'redis: connection lost; reconnecting')
  }
  redis.on('error', lost)
  redis.on('close', () => lost())
  redis.on('ready', () => {
    if (down) log.info({}, 'redis: connection restored')
    down = false
  })
  return redis
}

/** Connects, waiting at most `timeoutMs`; the service starts degraded rather than not at all. */
export async function connectRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  const connecting = redis.connect().then(
    () => true,
    () => false,
  )
  const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref())
  return Promise.race([connecting, timeout])
}

export async function closeRedis(redis: Redis): Promise<void> {
  // Closing on purpose is not an outage.
  redis.removeAllListeners('close')
  try {
    if (redis.status === 'ready') await redis.quit()
    else redis.disconnect()
  } catch {
    redis.disconnect()
  }
}

/** 'ok' when Redis answers a PING within the command timeout: a hung Redis still looks connected. */
export async function pingRedis(redis: Redis): Promise<'ok' | 'down'> {
  if (redis.status !== 'ready') return 'down'
  try {
    await redis.ping()
    return 'ok'
  } catch {
    return 'down'
  }
}
