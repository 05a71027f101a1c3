// The event bus across instances: Redis pub/sub on one channel. Every instance publishes there and
// delivers what it hears to its own listeners, so an event published on one instance reaches subscribers
// on all. Delivery is at most once: while Redis is down, events are dropped (and that is logged once).
// After a failed publish the bus rests like the limiter, so a hung Redis does not slow every write.
// Each event is also appended to a capped Redis Stream per topic (its id is the event's offset there), in the
// same script as the publish, so a client that resumes on any instance finds what it missed.
import type { Redis } from 'ioredis'
import type { DomainEvent, EventBus, Offsets, Replay } from '../../domain/events.ts'
import { noTelemetry, type Telemetry } from '../../domain/telemetry.ts'
import { topicsOf } from '../../domain/topics.ts'
import { RestAfterFailure } from '../redis/rest.ts'
import { type BusLog, MemoryBus } from './memory-bus.ts'

export interface RedisBusLog extends BusLog {
  warn(details: Record<string, unknown>, message: string): void
  info(details: Record<string, unknown>, message: string): void
}

// KEYS: the topic streams. ARGV: channel, event JSON, max length, seconds to keep an idle stream, topics...
// Appends the event to every stream, then publishes it with its offsets.
const PUBLISH = `
local offsets = {}
for i, key in ipairs(KEYS) do
  local id = redis.call('XADD', key, 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[2])
  redis.call('EXPIRE', key, ARGV[4])
  offsets[ARGV[4 + i]] = id
end
redis.call('PUBLISH', ARGV[1], cjson.encode({ e = ARGV[2], o = offsets }))
return 1
`

/** How many events each topic keeps for resuming clients, and for how long an idle topic is kept. */
export interface StreamLimits {
  perTopic: number
  idleSeconds: number
}

interface BusRedis extends Redis {
  trestlePublish(...args: (string | number)[]): Promise<number>
}

// Stream ids are `<ms>-<seq>`: compared as two numbers.
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number)
  const [bm = 0, bs = 0] = b.split('-').map(Number)
  return am - bm || as - bs
}

export class RedisBus implements EventBus {
  readonly #publisher: BusRedis
  readonly #subscriber: Redis
  readonly #channel: string
  readonly #streams: string
  readonly #limits: StreamLimits
  readonly #local: MemoryBus
  readonly #log: RedisBusLog
  readonly #rest = new RestAfterFailure()
  readonly #telemetry: Telemetry
  #dropping = false

  /** `publisher` is shared; a subscribing connection can do nothing else, so the bus opens its own. */
  constructor(
    publisher: Redis,
    prefix: string,
    log: RedisBusLog,
    limits: StreamLimits = { perTopic: 1000, idleSeconds: 86_400 },
    telemetry: Telemetry = noTelemetry,
  ) {
    publisher.defineCommand('trestlePublish', { lua: PUBLISH })
    this.#publisher = publisher as BusRedis
    this.#channel = `${prefix}events`
    this.#streams = `${prefix}topic:`
    this.#limits = limits
    // Counts what it delivers, from any instance; publishing is counted here.
    this.#local = new MemoryBus(log, telemetry)
    this.#telemetry = telemetry
    this.#log = log
    this.#subscriber = publisher.duplicate()
    this.#subscriber.on('error', () => {}) // the publisher's connection already logs outages
    // (Re)subscribe on every connection, including after Redis comes back.
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(this.#channel).catch(() => {})
    })
    this.#subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { e, o } = JSON.parse(message) as { e: string; o: Offsets | [] }
        // cjson writes an empty table as [].
        this.#local.deliver(JSON.parse(e) as DomainEvent, Array.isArray(o) ? {} : o)
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
        this.#drop(event, undefined)
        continue
      }
      try {
        const topics = topicsOf(event)
        const { perTopic, idleSeconds } = this.#limits
        await this.#publisher.trestlePublish(
          topics.length,
          ...topics.map((topic) => this.#streams + topic),
          this.#channel,
          JSON.stringify(event),
          perTopic,
          idleSeconds,
          ...topics,
        )
        this.#telemetry.eventPublished(event.type, 'sent')
        if (this.#dropping) this.#log.info({}, 'event bus: Redis is back; events flow again')
        this.#dropping = false
      } catch (error) {
        this.#rest.failed()
        this.#drop(event, error)
      }
    }
  }

  #drop(event: DomainEvent, error: unknown): void {
    this.#telemetry.eventPublished(event.type, 'dropped')
    if (!this.#dropping) this.#log.warn({ err: error }, 'event bus: Redis unavailable; events are dropped')
    this.#dropping = true
  }

  async replay(topic: string, offset: string, limit: number): Promise<Replay> {
    if (!/^\d+-\d+$/.test(offset)) return { events: [], complete: false }
    const key = this.#streams + topic
    // A stream that is gone (expired, or never written) cannot prove that nothing was missed.
    const info = (await this.#publisher.xinfo('STREAM', key).catch(() => null)) as unknown[] | null
    if (!info) return { events: [], complete: false }
    const field = (name: string) => info[info.indexOf(name) + 1]
    // Trimming drops the oldest entries: a client whose offset is older than the oldest one kept, in a stream
    // that has dropped some, may have missed events.
    const trimmed = Number(field('entries-added')) > Number(field('length'))
    const oldest = String(field('recorded-first-entry-id') ?? '0-0')
    const entries = await this.#publisher.xrange(key, `(${offset}`, '+', 'COUNT', limit)
    return {
      events: entries.map(([id, fields]) => ({ offset: id, event: JSON.parse(fields[1] ?? 'null') })),
      complete: !trimmed || compareIds(offset, oldest) >= 0,
    }
  }

  subscribe(listener: (event: DomainEvent, offsets: Offsets) => void): () => void {
    return this.#local.subscribe(listener)
  }

  async close(): Promise<void> {
    await this.#local.close()
    this.#subscriber.disconnect()
  }
}
