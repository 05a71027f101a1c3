// The shared limiter store: GCRA in one Lua script, so each decision is one atomic round trip to Redis.
// The script reads Redis's own clock, so instances with skewed clocks still agree, and every key it writes
// expires when its bucket is full again.
import type { Redis } from 'ioredis'
import type { LimitDecision, LimiterStore, LimitPolicy } from './limiter.ts'

// KEYS[1]: the bucket. ARGV: limit, window (ms), cost, peek (1: decide without taking).
// Returns: allowed (0/1), remaining, reset (ms until full), retry after (ms).
const GCRA = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local peek = ARGV[4] == '1'
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
if peek then
  local used = tat - now
  return {1, math.max(0, math.floor((window - used) / interval + 1e-9)), math.ceil(used), 0}
end
local used = new_tat - now
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.max(1, math.ceil(used)))
return {1, math.max(0, math.floor((window - used) / interval + 1e-9)), math.ceil(used), 0}
`

type GcraReply = [number, number, number, number]

interface GcraRedis extends Redis {
  trestleGcra(key: string, limit: number, windowMs: number, cost: number, peek: number): Promise<GcraReply>
}

export class RedisLimiterStore implements LimiterStore {
  readonly #redis: GcraRedis
  readonly #prefix: string

  /** `prefix` starts every key, so that several apps (or test runs) can share one Redis. */
  constructor(redis: Redis, prefix: string) {
    redis.defineCommand('trestleGcra', { numberOfKeys: 1, lua: GCRA })
    this.#redis = redis as GcraRedis
    this.#prefix = `${prefix}limit:`
  }

  async consume(key: string, policy: LimitPolicy, cost = 1): Promise<LimitDecision> {
    return this.#run(key, policy, cost, false)
  }

  async peek(key: string, policy: LimitPolicy): Promise<LimitDecision> {
    return this.#run(key, policy, 1, true)
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key)
  }

  async close(): Promise<void> {}

  async #run(key: string, policy: LimitPolicy, cost: number, peek: boolean): Promise<LimitDecision> {
    const [allowed, remaining, resetMs, retryAfterMs] = await this.#redis.trestleGcra(
      this.#prefix + key,
      policy.limit,
      policy.windowMs,
      cost,
      peek ? 1 : 0,
    )
    return { allowed: allowed === 1, limit: policy.limit, remaining, resetMs, retryAfterMs }
  }
}
