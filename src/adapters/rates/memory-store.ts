// The rate table in this process: one instance, so its own single flight (in RateService) is the only claim.
import type { StoredTable } from '../../domain/rate-table.ts'
import type { RateStore } from '../../domain/rates.ts'

export class MemoryRateStore implements RateStore {
  readonly #now: () => number
  #table: StoredTable | undefined
  #until = 0

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  async get(): Promise<StoredTable | undefined> {
    return this.#now() < this.#until ? this.#table : undefined
  }

  async set(table: StoredTable, keepMs: number): Promise<void> {
    this.#table = table
    this.#until = this.#now() + keepMs
  }

  async claimRefresh(): Promise<boolean> {
    return true
  }

  async releaseRefresh(): Promise<void> {}
}
