// One subscription to the event bus per process, fanned out to the connections that follow each topic. A frame
// is serialised once per event and topic, however many connections receive it.
import type { DomainEvent, EventBus, Offsets } from '../../domain/events.ts'
import { eventView } from '../shared/views.ts'

/** What the hub needs of a connection. */
export interface Follower {
  /** Sends a serialised event frame for a topic (the connection may hold it back while it resumes). */
  deliver(busTopic: string, offset: string, frame: string): void
}

/** The topic as clients name it: a user's notifications are just `notifications` to them. */
export function clientTopic(busTopic: string): string {
  return busTopic.startsWith('notifications:') ? 'notifications' : busTopic
}

export function eventFrame(busTopic: string, offset: string, event: DomainEvent): string {
  return JSON.stringify({ type: 'event', topic: clientTopic(busTopic), offset, event: eventView(event) })
}

export class Hub {
  readonly #followers = new Map<string, Set<Follower>>()
  readonly #unsubscribe: () => void

  constructor(bus: EventBus) {
    this.#unsubscribe = bus.subscribe((event, offsets) => this.#fanOut(event, offsets))
  }

  follow(busTopic: string, follower: Follower): void {
    const set = this.#followers.get(busTopic) ?? new Set()
    set.add(follower)
    this.#followers.set(busTopic, set)
  }

  unfollow(busTopic: string, follower: Follower): void {
    const set = this.#followers.get(busTopic)
    set?.delete(follower)
    if (set?.size === 0) this.#followers.delete(busTopic)
  }

  close(): void {
    this.#unsubscribe()
    this.#followers.clear()
  }

  #fanOut(event: DomainEvent, offsets: Offsets): void {
    for (const [busTopic, offset] of Object.entries(offsets)) {
      const followers = this.#followers.get(busTopic)
      if (!followers || followers.size === 0) continue
      const frame = eventFrame(busTopic, offset, event)
      for (const follower of followers) follower.deliver(busTopic, offset, frame)
    }
  }
}
