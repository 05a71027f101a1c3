// Bus events as the async iterator a GraphQL subscription reads. The queue is bounded: a subscriber that
// falls `limit` events behind is ended with an error instead of growing the server's memory.
import type { DomainEvent, EventBus } from '../../../domain/events.ts'

export function eventStream<E extends DomainEvent>(
  bus: EventBus,
  accept: (event: DomainEvent) => event is E,
  limit = 1000,
): AsyncIterableIterator<E> {
  const queue: E[] = []
  let waiting: ((result: IteratorResult<E>) => void) | undefined
  let failure: Error | undefined
  let done = false

  const unsubscribe = bus.subscribe((event) => {
    if (done || !accept(event)) return
    if (waiting) {
      const resolve = waiting
      waiting = undefined
      resolve({ value: event, done: false })
    } else if (queue.length >= limit) {
      failure = new Error(`This subscription fell ${limit} events behind and was ended; subscribe again.`)
      finish()
    } else {
      queue.push(event)
    }
  })

  function finish(): void {
    if (done) return
    done = true
    unsubscribe()
    if (waiting) {
      const resolve = waiting
      waiting = undefined
      resolve({ value: undefined, done: true })
    }
  }

  return {
    [Symbol.asyncIterator]() {
      return this
    },
    next() {
      const event = queue.shift()
      if (event) return Promise.resolve({ value: event, done: false })
      if (failure) {
        const error = failure
        failure = undefined
        return Promise.reject(error)
      }
      if (done) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => {
        waiting = resolve
      })
    },
    return() {
      finish()
      return Promise.resolve({ value: undefined, done: true })
    },
  }
}
