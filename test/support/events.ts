// Waiting for bus events in tests: resolves with the first event that matches, or fails after a bound.
import type { DomainEvent, EventBus } from '../../src/domain/events.ts'

export interface EventRecorder {
  events: DomainEvent[]
  /** The first recorded event (from now or earlier) that matches, within `timeoutMs`. */
  next(match: (event: DomainEvent) => boolean, timeoutMs?: number): Promise<DomainEvent>
  stop(): void
}

export function record(bus: EventBus): EventRecorder {
  const events: DomainEvent[] = []
  const waiters = new Set<{ match: (e: DomainEvent) => boolean; resolve: (e: DomainEvent) => void }>()
  const stop = bus.subscribe((event) => {
    events.push(event)
    for (const w of waiters) {
      if (w.match(event)) {
        waiters.delete(w)
        w.resolve(event)
      }
    }
  })
  return {
    events,
    stop,
    next(match, timeoutMs = 5000) {
      const seen = events.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (e: DomainEvent) => {
            clearTimeout(timer)
            resolve(e)
          },
        }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(
            new Error(
              `no matching event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`,
            ),
          )
        }, timeoutMs)
        waiters.add(waiter)
      })
    },
  }
}
