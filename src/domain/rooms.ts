// Chat rooms: signed-in users post messages to a room by name and read its history; every message is stored
// before it is announced (`message.posted`) to the room's subscribers on every transport.
import { v7 as uuidv7 } from 'uuid'
import type { MaybeActor } from './actor.ts'
import { check } from './check.ts'
import type { EventPublisher } from './events.ts'
import { MessageText, RoomName } from './fields.ts'
import { requireActor } from './policy.ts'

/** A room's name: lower-case letters, digits, `_` and `-`, at most 64 characters (the RoomName rule). */
export const ROOM_NAME = { pattern: RoomName.pattern, maxLength: RoomName.maxLength } as const
/** The MessageText rule's length, counted in characters (code points). */
export const MESSAGE_TEXT = { minLength: MessageText.minLength, maxLength: MessageText.maxLength } as const
/** Messages a client receives when it joins a room. */
export const HISTORY = 50
export const MESSAGE_PAGE = { defaultLimit: 50, maxLimit: 100 } as const

export interface RoomMessage {
  id: string
  room: string
  authorId: string
  authorName: string
  text: string
  createdAt: string
}

/** Where a page of older messages starts: the last message of the previous page. */
export interface MessageCursor {
  createdAt: string
  id: string
}

export interface RoomMessageRepository {
  insert(message: Omit<RoomMessage, 'authorName'>): Promise<void>
  /** Up to `limit` messages of a room, newest first, older than `before` when given. */
  newest(room: string, limit: number, before?: MessageCursor): Promise<RoomMessage[]>
}

export interface RoomDeps {
  messages: RoomMessageRepository
  /** The author's display name (their username). */
  authorName: (userId: string) => Promise<string>
  events: EventPublisher
  now?: () => Date
}

export interface MessagePage {
  messages: RoomMessage[]
  next: MessageCursor | undefined
}

/** Checks a room name (the part after `room:` in a topic); throws InvalidInputError at `pointer`. */
export function checkRoomName(name: string, pointer = '/room'): string {
  check(RoomName, name, pointer)
  return name
}

// The rule refuses blank text, NUL (which PostgreSQL cannot store) and lone surrogates, and counts length in
// code points, as a person counts characters; REST's schema is the same rule, so both refuse alike.
function checkText(text: string): string {
  check(MessageText, text, '/text')
  return text
}

export class RoomService {
  readonly #messages: RoomMessageRepository
  readonly #authorName: (userId: string) => Promise<string>
  readonly #events: EventPublisher
  readonly #now: () => Date

  constructor(deps: RoomDeps) {
    this.#messages = deps.messages
    this.#authorName = deps.authorName
    this.#events = deps.events
    this.#now = deps.now ?? (() => new Date())
  }

  /** Stores a message, then announces it; returns it as stored. */
  async post(actor: MaybeActor, room: string, text: string): Promise<RoomMessage> {
    const author = requireActor(actor)
    checkRoomName(room)
    checkText(text)
    const message: RoomMessage = {
      id: uuidv7(),
      room,
      authorId: author.id,
      authorName: await this.#authorName(author.id),
      text,
      createdAt: this.#now().toISOString(),
    }
    await this.#messages.insert(message)
    await this.#events.publish({ type: 'message.posted', at: message.createdAt, message })
    return message
  }

  /** A page of a room's messages, newest first. */
  async page(actor: MaybeActor, room: string, limit?: number, before?: MessageCursor): Promise<MessagePage> {
    requireActor(actor)
    checkRoomName(room)
    const size = Math.min(Math.max(limit ?? MESSAGE_PAGE.defaultLimit, 1), MESSAGE_PAGE.maxLimit)
    const rows = await this.#messages.newest(room, size + 1, before)
    const messages = rows.slice(0, size)
    const last = messages.at(-1)
    const next = rows.length > size && last ? { createdAt: last.createdAt, id: last.id } : undefined
    return { messages, next }
  }

  /** The last messages of a room, oldest first: what a client sees when it joins. */
  async history(actor: MaybeActor, room: string): Promise<RoomMessage[]> {
    return (await this.page(actor, room, HISTORY)).messages.reverse()
  }
}
