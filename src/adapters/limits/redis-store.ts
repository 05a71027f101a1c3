// The shared limiter store: GCRA in one Lua script, so each decision is one atomic round trip to Redis.
// The script reads Redis's own clock, so instances with skewed clocks still agree, and every key it writes
// expires when its bucket is full again. Failure counts and blocks are atomic too, and expire by themselves.
import type { Redis } from 'ioredis'
import type { LimitDecision, LimiterStore, LimitPolicy } from '../../domain/limiter.ts'

// KEYS[1]: the bucket. ARGV: limit, window (ms), cost.
// Returns: allowed (0/1), remaining, reset (ms until full), retry after (ms).
const GCRA = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval = window / limit
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local new_tat = tat + cost * interval
local allow_at = new_tat - window
if now < allow_at then
  local used = tat - now
  return {0, math.max(0, math.floor((window - used) / interval)), math.ceil(used), math.ceil(allow_at - now)}
end
local used = new_tat - now
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.max(1, math.ceil(used)))
return {1, math.max(0, math.floor((window - used) / interval + 1e-9)), math.ceil(used), 0}
`

// KEYS[1]: the counter. ARGV: now (ms), forget (ms). Returns the failures in a row, this one included.
const COUNT_FAILURE = `
local now = tonumber(ARGV[1])
local forget = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '-1')
local count = 0
if last >= 0 and now - last <= forget then count = tonumber(redis.call('HGET', KEYS[1], 'count')) end
count = count + 1
redis.call('HSET', KEYS[1], 'count', count, 'last', now)
redis.call('PEXPIRE', KEYS[1], forget)
return count
`

type GcraReply = [number, number, number, number]

interface LimiterRedis extends Redis {
  trestleGcra(key: string, limit: number, windowMs: number, cost: number): Promise<GcraReply>
  trestleCountFailure(key: string, now: number, forgetMs: number): Promise<number>
}

export class RedisLimiterStore implements LimiterStore {
  readonly #redis: LimiterRedis
  readonly #prefix: string

  /** `prefix` starts every key, so that several apps (or test runs) can share one Redis. */
  constructor(redis: Redis, prefix: string) {
    redis.defineCommand('trestleGcra', { numberOfKeys: 1, lua: GCRA })
    redis.defineCommand('trestleCountFailure', { numberOfKeys: 1, lua: COUNT_FAILURE })
    this.#redis = redis as LimiterRedis
    this.#prefix = `${prefix}limit:`
  }

  async consume(key: string, policy: LimitPolicy, cost = 1): Promise<LimitDecision> {
    const [allowed, remaining, resetMs, retryAfterMs] = await this.#redis.trestleGcra(
      this.#prefix + key,
      policy.limit,
      policy.windowMs,
      cost,
    )
    return { allowed: allowed === 1, limit: policy.limit, remaining, resetMs, retryAfterMs }
  }

  countFailure(key: string, now: number, forgetMs: number): Promise<number> {
    return this.#redis.trestleCountFailure(this.#prefix + key, now, forgetMs)
  }

  async block(key: string, now: number, ms: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, String(now + ms), 'PX', Math.max(1, Math.ceil(ms)))
  }

  async blockedUntil(key: string): Promise<number> {
    return Number(await this.#redis.get(this.#prefix + key)) || 0
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key)
  }

  async close(): Promise<void> {}
}
