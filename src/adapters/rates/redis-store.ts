// The rate table shared by every instance through Redis: one JSON value that expires after the maximum stale
// age, and a claim (SET NX PX) so that one instance asks the providers while the others wait for its table.
// A Redis that fails costs an instance its sharing only: RateService then keeps its own table and asks itself.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { StoredTable } from '../../domain/rate-table.ts'
import type { RateStore } from '../../domain/rates.ts'
import { Outage, type OutageLog } from '../outage.ts'

// Releases the claim only if it is still ours: a claim that lapsed may belong to another instance now.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`

export class RedisRateStore implements RateStore {
  readonly #redis: Redis
  readonly #key: string
  readonly #claimKey: string
  readonly #owner = randomUUID()
  readonly #outage: Outage

  constructor(redis: Redis, prefix: string, log: OutageLog) {
    this.#redis = redis
    this.#key = `${prefix}rates:USD`
    this.#claimKey = `${prefix}rates:USD:refresh`
    this.#outage = new Outage('redis (exchange rates)', log)
  }

  async get(): Promise<StoredTable | undefined> {
    const text = await this.#call(() => this.#redis.get(this.#key))
    if (!text) return undefined
    try {
      return JSON.parse(text) as StoredTable
    } catch {
      return undefined
    }
  }

  async set(table: StoredTable, keepMs: number): Promise<void> {
    await this.#call(() => this.#redis.set(this.#key, JSON.stringify(table), 'PX', Math.max(1, keepMs)))
  }

  async claimRefresh(ms: number): Promise<boolean> {
    const set = await this.#call(() =>
      this.#redis.set(this.#claimKey, this.#owner, 'PX', Math.max(1, ms), 'NX'),
    )
    return set === 'OK'
  }

  async releaseRefresh(): Promise<void> {
    await this.#call(() => this.#redis.eval(RELEASE, 1, this.#claimKey, this.#owner))
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      const result = await command()
      this.#outage.succeeded()
      return result
    } catch (error) {
      this.#outage.failed(error)
      throw error
    }
  }
}
