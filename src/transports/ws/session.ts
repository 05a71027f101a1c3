// One /ws connection: its caller, the topics it follows, and the frames it sends, handled one at a time in
// the order they came. Every frame is charged to the caller's rate limit; the rules are the domain's.
import { decodeJwt } from 'jose'
import type WebSocket from 'ws'
import type { Authenticator } from '../../auth/authenticator.ts'
import type { MaybeActor } from '../../domain/actor.ts'
import { DomainError, InvalidInputError, UnavailableError } from '../../domain/errors.ts'
import type { EventBus } from '../../domain/events.ts'
import type { PresenceStore } from '../../domain/presence.ts'
import { RateLimitedError, type RateLimits } from '../../domain/rate-limits.ts'
import type { RoomService } from '../../domain/rooms.ts'
import { busTopic, parseTopic } from '../../domain/topics.ts'
import type { UserService } from '../../domain/users.ts'
import { messageView } from '../shared/views.ts'
import { clientTopic, eventFrame, type Follower, type Hub } from './hub.ts'
import { CLOSE, type ClientFrame, readFrame } from './protocol.ts'

/** The services the WebSocket transport uses. */
export interface WsServices {
  authenticator: Authenticator
  rateLimits: RateLimits
  rooms: RoomService
  users: UserService
  presence: PresenceStore
  bus: EventBus
}

export interface SessionContext extends WsServices {
  hub: Hub
  /** Counts the connection toward its user's cap; false when the user has too many. */
  admit: (session: Session, userId: string) => boolean
  /** Bytes of unsent data past which the client is too slow. */
  maxBuffer: number
  /** How long an anonymous connection may stay silent. */
  authTimeoutMs: number
  /** How long a presence entry lives without a refresh. */
  presenceTtlMs: number
  log: {
    warn(details: Record<string, unknown>, message: string): void
    error(details: Record<string, unknown>, message: string): void
  }
}

/** Events replayed to a resuming client at most (the buffer holds about as many per topic). */
const REPLAY_LIMIT = 1000
/** Frames refused by the rate limit in a row before the connection is closed. */
const MAX_REFUSALS = 10

interface Follow {
  /** While the client resumes, live events wait here so that none overtakes the replay. */
  held: { offset: string; frame: string }[] | undefined
  last: string | undefined
}

// Offsets of both buses read `<number>-<number>`.
function compareOffsets(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('-').map(Number)
  const [b1 = 0, b2 = 0] = b.split('-').map(Number)
  return a1 - b1 || a2 - b2
}

export class Session implements Follower {
  readonly id = crypto.randomUUID()
  readonly ip: string
  /** False once a ping went unanswered since the last heartbeat. */
  alive = true
  readonly #socket: WebSocket
  readonly #ctx: SessionContext
  readonly #follows = new Map<string, Follow>()
  readonly #rooms = new Set<string>()
  #actor: MaybeActor
  #token: string | undefined
  #name: string | undefined
  #expiry: NodeJS.Timeout | undefined
  #silence: NodeJS.Timeout | undefined
  #queue: Promise<void> = Promise.resolve()
  #refusals = 0
  #closed = false

  constructor(socket: WebSocket, ip: string, ctx: SessionContext, actor: MaybeActor, token?: string) {
    this.#socket = socket
    this.ip = ip
    this.#ctx = ctx
    this.#actor = actor
    this.#token = token
    if (token) this.#expireAt(token)
    if (!actor) {
      this.#silence = setTimeout(() => this.close(CLOSE.silent, 'Said nothing'), ctx.authTimeoutMs)
      this.#silence.unref()
    }
    socket.on('message', (data, isBinary) => {
      this.#queue = this.#queue.then(() => this.#receive(data as Buffer, isBinary))
    })
    socket.on('pong', () => {
      this.alive = true
    })
    socket.on('close', () => void this.#ended())
  }

  get actor(): MaybeActor {
    return this.#actor
  }

  get rooms(): ReadonlySet<string> {
    return this.#rooms
  }

  /** Pings the client; the heartbeat closes it if the last ping went unanswered. */
  ping(): void {
    if (!this.alive) {
      this.#socket.terminate()
      return
    }
    this.alive = false
    this.#socket.ping()
  }

  /** Closes the connection if its account is no longer allowed (disabled, deleted). */
  async checkAccount(): Promise<void> {
    if (!this.#token) return
    try {
      await this.#ctx.authenticator.actorFor(this.#token)
    } catch {
      // An expired token closes by its own timer; one refused before it expires is the account's doing.
      if (this.#token && (decodeJwt(this.#token).exp ?? 0) * 1000 > Date.now()) {
        this.close(CLOSE.forbidden, 'Account disabled')
      }
    }
  }

  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#socket.close(code, reason)
    // A client that does not read never completes the closing handshake.
    setTimeout(() => this.#socket.terminate(), 2000).unref()
  }

  deliver(topic: string, offset: string, frame: string): void {
    const follow = this.#follows.get(topic)
    if (!follow) return
    if (follow.held) {
      follow.held.push({ offset, frame })
      return
    }
    follow.last = offset
    this.#send(frame)
  }

  #send(text: string): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return
    if (this.#socket.bufferedAmount > this.#ctx.maxBuffer) {
      this.close(CLOSE.slowConsumer, 'Too slow: send buffer full')
      return
    }
    this.#socket.send(text)
  }

  #reply(frame: Record<string, unknown>): void {
    this.#send(JSON.stringify(frame))
  }

  async #receive(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.#closed) return
    // Anything the client says, echo text included, shows it is alive.
    clearTimeout(this.#silence)
    if (!(await this.#charge())) return
    if (isBinary) {
      this.#reply({ type: 'error', code: 'invalid-frame', message: 'Binary frames are not supported.' })
      return
    }
    const text = data.toString('utf8')
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      value = undefined
    }
    // Anything but a JSON object is echoed, as the original /ws did.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.#send(`Echo: ${text}`)
      return
    }
    const raw = value as Record<string, unknown>
    const id = typeof raw.id === 'string' ? raw.id : undefined
    const frame = readFrame(raw)
    if ('code' in frame) {
      this.#reply({ type: 'error', id, ...frame })
      return
    }
    try {
      await this.#handle(frame)
    } catch (error) {
      this.#replyError(error, id)
    }
  }

  async #charge(): Promise<boolean> {
    const decision = await this.#ctx.rateLimits.charge({ actor: this.#actor, ip: this.ip })
    if (!decision || decision.allowed) {
      this.#refusals = 0
      return true
    }
    this.#refusals += 1
    if (this.#refusals > MAX_REFUSALS) {
      this.close(CLOSE.policy, 'Rate limit exceeded')
      return false
    }
    this.#replyError(new RateLimitedError(decision), undefined)
    return false
  }

  #replyError(error: unknown, id: string | undefined): void {
    if (!(error instanceof DomainError)) {
      this.#ctx.log.error({ err: error }, 'websocket frame failed')
      this.#reply({ type: 'error', id, code: 'internal', message: 'Something went wrong on our side.' })
      return
    }
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds
    this.#reply({
      type: 'error',
      id,
      code: error.code,
      message: error.message,
      ...(error instanceof InvalidInputError && { field: error.pointer }),
      ...(retryAfter !== undefined && { retry_after: retryAfter }),
    })
  }

  async #handle(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'auth':
        return this.#auth(frame.token, frame.id)
      case 'subscribe':
        return this.#subscribe(frame.topic, frame.since, frame.id)
      case 'unsubscribe':
        return this.#unsubscribe(frame.topic, frame.id)
      case 'publish': {
        const topic = parseTopic(frame.topic)
        if (topic.kind !== 'room')
          throw new InvalidInputError('/topic', 'only rooms take messages: room:{name}')
        const message = await this.#ctx.rooms.post(this.#actor, topic.name, frame.text)
        return this.#reply({ type: 'ack', id: frame.id, topic: frame.topic, message: messageView(message) })
      }
      case 'ping':
        return this.#reply({ type: 'pong', id: frame.id })
    }
  }

  async #auth(token: string, id: string | undefined): Promise<void> {
    let actor: MaybeActor
    try {
      actor = await this.#ctx.authenticator.actorFor(token)
    } catch (error) {
      if (error instanceof DomainError) throw error
      this.#reply({
        type: 'error',
        id,
        code: 'unauthenticated',
        message: 'The access token is invalid or expired.',
      })
      this.close(CLOSE.unauthorized, 'Invalid token')
      return
    }
    if (this.#actor && this.#actor.id !== actor.id) {
      this.#reply({
        type: 'error',
        id,
        code: 'forbidden',
        message: 'A connection signs in as one user only.',
      })
      return
    }
    if (!this.#ctx.admit(this, actor.id)) {
      this.close(CLOSE.policy, 'Too many connections')
      return
    }
    this.#actor = actor
    this.#token = token
    this.#expireAt(token)
    this.#reply({ type: 'ack', id, user: { id: actor.id, name: await this.#memberName() } })
  }

  // Without a fresh token before this one expires, the connection closes.
  #expireAt(token: string): void {
    clearTimeout(this.#expiry)
    const ms = (decodeJwt(token).exp ?? 0) * 1000 - Date.now()
    this.#expiry = setTimeout(() => this.close(CLOSE.unauthorized, 'Token expired'), Math.max(0, ms))
    this.#expiry.unref()
  }

  async #memberName(): Promise<string> {
    if (!this.#actor) return ''
    this.#name ??= (await this.#ctx.users.profile(this.#actor.id)).username
    return this.#name
  }

  async #subscribe(name: string, since: string | undefined, id: string | undefined): Promise<void> {
    const topic = parseTopic(name)
    const bus = busTopic(this.#actor, topic)
    const follow: Follow = this.#follows.get(bus) ?? { held: undefined, last: undefined }
    follow.held = []
    this.#follows.set(bus, follow)
    this.#ctx.hub.follow(bus, this)
    try {
      if (since !== undefined) await this.#resume(bus, since, follow, id)
    } finally {
      const held = follow.held ?? []
      follow.held = undefined
      for (const { offset, frame } of held) {
        if (follow.last && compareOffsets(offset, follow.last) <= 0) continue
        follow.last = offset
        this.#send(frame)
      }
    }
    if (topic.kind === 'room' && !this.#rooms.has(topic.name)) await this.#join(topic.name, name)
    this.#reply({ type: 'ack', id, topic: clientTopic(bus) })
  }

  async #resume(bus: string, since: string, follow: Follow, id: string | undefined): Promise<void> {
    // One more than we replay: a buffer that holds more than that is a gap too large to fill.
    const replay = await this.#ctx.bus.replay(bus, since, REPLAY_LIMIT + 1)
    if (!replay.complete || replay.events.length > REPLAY_LIMIT) {
      this.#reply({ type: 'resync', topic: clientTopic(bus), id })
      return
    }
    for (const { offset, event } of replay.events) {
      follow.last = offset
      this.#send(eventFrame(bus, offset, event))
    }
  }

  async #join(room: string, topic: string): Promise<void> {
    const actor = this.#actor
    if (!actor) return
    const member = { userId: actor.id, name: await this.#memberName() }
    const history = await this.#ctx.rooms.history(actor, room)
    this.#rooms.add(room)
    this.#reply({ type: 'history', topic, messages: history.map(messageView) })
    if (await this.#ctx.presence.join(room, this.id, member, this.#ctx.presenceTtlMs)) {
      await this.#ctx.bus.publish({
        type: 'presence',
        at: new Date().toISOString(),
        room,
        change: 'joined',
        member,
      })
    }
    const members = await this.#ctx.presence.members(room)
    this.#reply({ type: 'presence', topic, members: members.map((m) => ({ id: m.userId, name: m.name })) })
  }

  async #unsubscribe(name: string, id: string | undefined): Promise<void> {
    const topic = parseTopic(name)
    const bus = busTopic(this.#actor, topic)
    this.#follows.delete(bus)
    this.#ctx.hub.unfollow(bus, this)
    if (topic.kind === 'room') await this.#leave(topic.name)
    this.#reply({ type: 'ack', id, topic: clientTopic(bus) })
  }

  async #leave(room: string): Promise<void> {
    if (!this.#rooms.delete(room) || !this.#actor) return
    if (await this.#ctx.presence.leave(room, this.id)) {
      const member = { userId: this.#actor.id, name: await this.#memberName() }
      await this.#ctx.bus.publish({
        type: 'presence',
        at: new Date().toISOString(),
        room,
        change: 'left',
        member,
      })
    }
  }

  async #ended(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#expiry)
    clearTimeout(this.#silence)
    for (const topic of this.#follows.keys()) this.#ctx.hub.unfollow(topic, this)
    this.#follows.clear()
    try {
      for (const room of [...this.#rooms]) await this.#leave(room)
    } catch (error) {
      // Presence then expires on its own. An outage is logged once where it is seen, not per connection.
      const level = error instanceof UnavailableError ? 'warn' : 'error'
      this.#ctx.log[level]({ err: error }, 'websocket: leaving rooms failed')
    }
  }
}
