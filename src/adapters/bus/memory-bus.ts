// The in-process event bus: listeners run on a later tick, each on its own, so a slow or failing
// listener never delays or breaks the write that published the event. The last events of each topic are
// kept for clients that resume.
import type { DomainEvent, EventBus, Offsets, Replay } from '../../domain/events.ts'
import { noTelemetry, type Telemetry } from '../../domain/telemetry.ts'
import { TopicBuffer } from './topic-buffer.ts'

export interface BusLog {
  error(details: Record<string, unknown>, message: string): void
}

export class MemoryBus implements EventBus {
  readonly #listeners = new Set<(event: DomainEvent, offsets: Offsets) => void>()
  readonly #log: BusLog
  readonly #telemetry: Telemetry
  readonly #buffer = new TopicBuffer()
  #closed = false

  constructor(log: BusLog, telemetry: Telemetry = noTelemetry) {
    this.#log = log
    this.#telemetry = telemetry
  }

  async publish(...events: DomainEvent[]): Promise<void> {
    if (this.#closed) return
    for (const event of events) {
      this.#telemetry.eventPublished(event.type, 'sent')
      this.deliver(event, this.#buffer.append(event))
    }
  }

  async replay(topic: string, offset: string, limit: number): Promise<Replay> {
    return this.#buffer.replay(topic, offset, limit)
  }

  /** Hands an event to every local listener (the Redis bus calls this for events from any instance). */
  deliver(event: DomainEvent, offsets: Offsets): void {
    this.#telemetry.eventDelivered(event.type, Date.now() - Date.parse(event.at))
    for (const listener of this.#listeners) {
      setImmediate(() => {
        try {
          listener(event, offsets)
        } catch (error) {
          this.#log.error({ err: error, event: event.type }, 'event listener failed')
        }
      })
    }
  }

  subscribe(listener: (event: DomainEvent, offsets: Offsets) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#listeners.clear()
  }
}
