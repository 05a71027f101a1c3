// The event bus across instances: Redis pub/sub on one channel. Every instance publishes there and
// delivers what it hears to its own listeners, so an event published on one instance reaches subscribers
// on all. Delivery is at most once: while Redis is down, events are dropped (and that is logged once).
// After a failed publish the bus rests like the limiter, so a hung Redis does not slow every write.
import type { Redis } from 'ioredis'
import type { DomainEvent, EventBus } from '../../domain/events.ts'
import { RestAfterFailure } from '../redis/rest.ts'
import { type BusLog, MemoryBus } from './memory-bus.ts'

export interface RedisBusLog extends BusLog {
  warn(details: Record<string, unknown>, message: string): void
  info(details: Record<string, unknown>, message: string): void
}

export class RedisBus implements EventBus {
  readonly #publisher: Redis
  readonly #subscriber: Redis
  readonly #channel: string
  readonly #local: MemoryBus
  readonly #log: RedisBusLog
  readonly #rest = new RestAfterFailure()
  #dropping = false

  /** `publisher` is shared; a subscribing connection can do nothing else, so the bus opens its own. */
  constructor(publisher: Redis, prefix: string, log: RedisBusLog) {
    this.#publisher = publisher
    this.#channel = `${prefix}events`
    this.#local = new MemoryBus(log)
    this.#log = log
    this.#subscriber = publisher.duplicate()
    this.#subscriber.on('error', () => {}) // the publisher's connection already logs outages
    // (Re)subscribe on every connection, including after Redis comes back.
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(this.#channel).catch(() => {})
    })
    this.#subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.#local.deliver(JSON.parse(message) as DomainEvent)
      } catch (error) {
        this.#log.error({ err: error }, 'event bus: unreadable message')
      }
    })
  }

  /** Connects and subscribes, waiting at most `timeoutMs`: without Redis the service starts anyway. */
  async start(timeoutMs: number): Promise<void> {
    const subscribed = this.#subscriber
      .connect()
      .then(() => this.#subscriber.subscribe(this.#channel))
      .catch(() => undefined)
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())])
  }

  async publish(...events: DomainEvent[]): Promise<void> {
    for (const event of events) {
      if (this.#rest.resting || this.#publisher.status !== 'ready') {
        this.#drop(undefined)
        continue
      }
      try {
        await this.#publisher.publish(this.#channel, JSON.stringify(event))
        if (this.#dropping) this.#log.info({}, 'event bus: Redis is back; events flow again')
        this.#dropping = false
      } catch (error) {
        this.#rest.failed()
        this.#drop(error)
      }
    }
  }

  #drop(error: unknown): void {
    if (!this.#dropping) this.#log.warn({ err: error }, 'event bus: Redis unavailable; events are dropped')
    this.#dropping = true
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    return this.#local.subscribe(listener)
  }

  async close(): Promise<void> {
    await this.#local.close()
    this.#subscriber.disconnect()
  }
}
