// The in-process event bus: listeners run on a later tick, each on its own, so a slow or failing
// listener never delays or breaks the write that published the event.
import type { DomainEvent, EventBus } from '../../domain/events.ts'

export interface BusLog {
  error(details: Record<string, unknown>, message: string): void
}

export class MemoryBus implements EventBus {
  readonly #listeners = new Set<(event: DomainEvent) => void>()
  readonly #log: BusLog
  #closed = false

  constructor(log: BusLog) {
    this.#log = log
  }

  async publish(...events: DomainEvent[]): Promise<void> {
    if (this.#closed) return
    for (const event of events) this.deliver(event)
  }

  /** Hands an event to every local listener (the Redis bus calls this for events from any instance). */
  deliver(event: DomainEvent): void {
    for (const listener of this.#listeners) {
      setImmediate(() => {
        try {
          listener(event)
        } catch (error) {
          this.#log.error({ err: error, event: event.type }, 'event listener failed')
        }
      })
    }
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#listeners.clear()
  }
}
