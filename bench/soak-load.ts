// The soak's workload (issue 13 §4): a fixed number of loops, each a kind of client with a pause between its
// operations, so the load is steady and moderate rather than as much as the server can take. Every answer is
// checked against the statuses that operation may give; every write that was acknowledged must reach each
// listener that follows it (/ws and GraphQL subscriptions), else the event counts as lost.
import { EVENT_GRACE_MS, Expectations, type Frame, type Tally, WsConnection } from './soak-checks.ts'
import { GraphqlWsConnection } from './soak-graphql-ws.ts'
import { type Session, SoakHttp } from './soak-http.ts'

/** How many loops of each kind run, and the pause (ms) each takes between two operations. */
export const PLAN = {
  /** GET /items (filters, sort, next page), /items/{id} (and 304), /users/me, /users/{id}. */
  restReaders: { loops: 4, pauseMs: 25 },
  /** POST, PATCH (and a stale If-Match: 412), DELETE items; the watcher's PUT and DELETE watch. */
  restWriters: { loops: 2, pauseMs: 100 },
  /** GraphQL queries over HTTP: items with owners, item(id), me. */
  graphqlReaders: { loops: 2, pauseMs: 50 },
  /** GraphQL mutations: createItem, watchItem, updateItem, unwatchItem, deleteItem. */
  graphqlWriters: { loops: 1, pauseMs: 200 },
  /** POST /token (password, then refresh twice), GET /users/me, POST /token/revoke. */
  signIns: { loops: 1, pauseMs: 1000 },
  /** Room messages: REST posts, /ws publish frames, a history page. */
  chat: { loops: 1, pauseMs: 250 },
  /** /ws connections opened, subscribed (items, item:{id}, a room), pinged and closed. */
  wsChurn: { loops: 1, pauseMs: 250 },
  /** graphql-ws connections opened, subscribed to itemEvents until the first event, and closed. */
  graphqlWsChurn: { loops: 1, pauseMs: 500 },
} as const

/** Access tokens of the long-lived sessions are refreshed this often (they live 15 minutes by default). */
const RENEW_MS = 5 * 60_000
const ROOM = 'soak'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(Math.random() * list.length)]

const WS_W = '/ws (watcher)'
const WS_ANONYMOUS = '/ws (anonymous)'
const GQL_W = 'graphql-ws (watcher)'
const ITEM_LISTENERS = [WS_W, WS_ANONYMOUS, GQL_W]
const WATCHER_LISTENERS = [WS_W, GQL_W]

interface ItemBody {
  id: string
  version: number
  price: number
}

export class Load {
  readonly #origin: string
  readonly #tally: Tally
  readonly #client: SoakHttp
  readonly #expectations: Expectations
  readonly #until: () => number
  readonly #kept: string[] = []
  readonly #sessions = new Map<string, Session>()
  readonly #closers: (() => Promise<void>)[] = []
  #wsWatcher: WsConnection | undefined
  #chatSocket: WsConnection | undefined
  #counter = 0

  /** `until()`: the time (ms since the epoch) at which every loop stops; it may move earlier. */
  constructor(origin: string, tally: Tally, until: () => number) {
    this.#origin = origin
    this.#tally = tally
    this.#until = until
    this.#expectations = new Expectations(tally)
    this.#client = new SoakHttp(origin, tally)
  }

  get #running(): boolean {
    return Date.now() < this.#until()
  }

  async #signUp(name: string): Promise<Session> {
    const session = await this.#client.signUp(name)
    this.#sessions.set(name, session)
    return session
  }

  #session(name: string): Session {
    const session = this.#sessions.get(name)
    if (!session) throw new Error(`no session ${name}`)
    return session
  }

  #keep(id: string): void {
    this.#kept.push(id)
    if (this.#kept.length > 500) this.#kept.shift()
  }

  /** A price no other change of the run has set: notifications are told apart by it. */
  #newPrice(): number {
    this.#counter++
    return (100 + (this.#counter % 9_000_000)) / 100
  }

  #onItemEvent(listener: string, frame: Frame): void {
    const event = frame.event as {
      type: string
      item?: { id: string; version: number }
      item_id?: string
      notification?: { item_id: string; new_price: number }
      message?: { id: string }
    }
    if (event.type === 'item.created' && event.item)
      this.#expectations.seen(listener, `created:${event.item.id}`)
    else if (event.type === 'item.updated' && event.item)
      this.#expectations.seen(listener, `updated:${event.item.id}:${event.item.version}`)
    else if (event.type === 'item.deleted') this.#expectations.seen(listener, `deleted:${event.item_id}`)
    else if (event.type === 'notification' && event.notification) {
      const { item_id, new_price } = event.notification
      this.#expectations.seen(listener, `notified:${item_id}:${Math.round(new_price * 100)}`)
    } else if (event.type === 'message.posted' && event.message)
      this.#expectations.seen(listener, `message:${event.message.id}`)
  }

  /** The accounts, the listeners, a catalog to read, and one round of every event, seen by every listener. */
  async setUp(): Promise<void> {
    const names = ['watcher', 'chat', 'graphql', 'reader1', 'reader2', 'reader3', 'signin1', 'signin2']
    for (let i = 1; i <= PLAN.restWriters.loops; i++) names.push(`writer${i}`)
    for (const name of names) await this.#signUp(name)
    const watcher = this.#session('watcher')

    const wsWatcher = await WsConnection.open(this.#origin, WS_W, this.#tally, watcher.access)
    const wsAnonymous = await WsConnection.open(this.#origin, WS_ANONYMOUS, this.#tally)
    const chatSocket = await WsConnection.open(
      this.#origin,
      '/ws (chat)',
      this.#tally,
      this.#session('chat').access,
    )
    if (!wsWatcher || !wsAnonymous || !chatSocket) throw new Error('the /ws listeners did not connect')
    this.#wsWatcher = wsWatcher
    this.#chatSocket = chatSocket
    this.#closers.push(
      () => wsWatcher.close(),
      () => wsAnonymous.close(),
      () => chatSocket.close(),
    )
    wsWatcher.onEvent = (frame) => this.#onItemEvent(WS_W, frame)
    wsAnonymous.onEvent = (frame) => this.#onItemEvent(WS_ANONYMOUS, frame)
    for (const topic of ['items', 'notifications', `room:${ROOM}`])
      await wsWatcher.request({ type: 'subscribe', topic })
    await wsAnonymous.request({ type: 'subscribe', topic: 'items' })
    this.#graphqlListener(watcher)

    // graphql-ws does not acknowledge a subscription: a round of every kind of event, until every listener
    // sees all of it, tells that the listeners are in place.
    for (let round = 0; ; round++) {
      await this.#restWriterCycle(this.#session('writer1'), 0, true)
      await this.#graphqlWriterCycle()
      await this.#chatCycle(0)
      await this.#chatCycle(1)
      if (await this.#settled(2000)) break
      if (round === 10) throw new Error('the listeners did not receive the events of writes')
      this.#expectations.forget()
    }
    // A catalog to read from the start.
    for (let i = 0; i < 50; i++) {
      const item = await this.#createItem(this.#session('reader1'), 'seed')
      if (item) this.#keep(item.id)
    }
    if (!(await this.#settled(EVENT_GRACE_MS))) this.#expectations.sweep(0)
    if (this.#tally.errors) throw new Error('setting up failed')
    this.#tally.take()
  }

  /** Whether every event owed arrived within `ms`. */
  async #settled(ms: number): Promise<boolean> {
    const until = Date.now() + ms
    while (this.#expectations.pending && Date.now() < until) await sleep(50)
    return !this.#expectations.pending
  }

  #graphqlListener(watcher: Session): void {
    const client = new GraphqlWsConnection(this.#origin, GQL_W, this.#tally, () => watcher.access, true)
    this.#closers.push(() => client.close())
    const seen = (key: string) => this.#expectations.seen(GQL_W, key)
    client.listen<{ itemEvents: { type: string; itemId: string; item: { version: number } | null } }>(
      'subscription { itemEvents { type itemId item { version } } }',
      ({ itemEvents: e }) => {
        if (e.type === 'CREATED') seen(`created:${e.itemId}`)
        else if (e.type === 'UPDATED') seen(`updated:${e.itemId}:${e.item?.version}`)
        else if (e.type === 'DELETED') seen(`deleted:${e.itemId}`)
      },
    )
    client.listen<{ notifications: { itemId: string; newPrice: string } }>(
      'subscription { notifications { itemId newPrice } }',
      ({ notifications: n }) => seen(`notified:${n.itemId}:${Math.round(Number(n.newPrice) * 100)}`),
    )
    client.listen<{ roomMessages: { id: string } }>(
      `subscription { roomMessages(room: "${ROOM}") { id } }`,
      ({ roomMessages: m }) => seen(`message:${m.id}`),
    )
  }

  async #createItem(owner: Session, kind: string): Promise<ItemBody | undefined> {
    const reply = await this.#client.request(
      'POST /items/',
      {
        method: 'POST',
        path: '/items/',
        token: owner.access,
        json: {
          name: `Soak ${kind} ${++this.#counter}`,
          price: this.#newPrice(),
          tags: ['soak', kind],
          description: 'An item the soak run made.',
        },
      },
      [201],
    )
    if (!reply) return undefined
    const item = reply.body as ItemBody
    this.#expectations.expect(`created:${item.id}`, ITEM_LISTENERS)
    return item
  }

  /** Create; the watcher watches; a stale If-Match (412); a price change (event and notification); then
   * either keep the item for the readers or unwatch and delete it. */
  async #restWriterCycle(owner: Session, cycle: number, remove: boolean): Promise<void> {
    const watcher = this.#session('watcher')
    const item = await this.#createItem(owner, 'rest')
    if (!item) return
    const watchPath = `/items/${item.id}/watch`
    const watched = await this.#client.request(
      'PUT /items/{id}/watch',
      { method: 'PUT', path: watchPath, token: watcher.access },
      [204],
    )
    if (cycle % 10 === 5) {
      await this.#client.request(
        'PATCH /items/{id} (stale If-Match)',
        {
          method: 'PATCH',
          path: `/items/${item.id}`,
          token: owner.access,
          headers: { 'if-match': `"${item.version + 7}"` },
          json: { price: 1 },
        },
        [412],
      )
    }
    const price = this.#newPrice()
    const patched = await this.#client.request(
      'PATCH /items/{id}',
      {
        method: 'PATCH',
        path: `/items/${item.id}`,
        token: owner.access,
        headers: { 'if-match': `"${item.version}"` },
        json: { price },
      },
      [200],
    )
    if (!patched) return
    const updated = patched.body as ItemBody
    this.#expectations.expect(`updated:${item.id}:${updated.version}`, ITEM_LISTENERS)
    if (watched)
      this.#expectations.expect(`notified:${item.id}:${Math.round(price * 100)}`, WATCHER_LISTENERS)
    if (!remove) return this.#keep(item.id)
    await this.#client.request(
      'DELETE /items/{id}/watch',
      { method: 'DELETE', path: watchPath, token: watcher.access },
      [204],
    )
    const deleted = await this.#client.request(
      'DELETE /items/{id}',
      {
        method: 'DELETE',
        path: `/items/${item.id}`,
        token: owner.access,
        headers: { 'if-match': `"${updated.version}"` },
      },
      [204],
    )
    if (deleted) this.#expectations.expect(`deleted:${item.id}`, ITEM_LISTENERS)
  }

  async #graphqlWriterCycle(): Promise<void> {
    const owner = this.#session('graphql')
    const watcher = this.#session('watcher')
    const created = await this.#client.graphql<{ createItem: { id: string; version: number } }>(
      'createItem',
      'mutation($input: CreateItemInput!) { createItem(input: $input) { id version } }',
      { input: { name: `Soak graphql ${++this.#counter}`, price: String(this.#newPrice()), tags: ['soak'] } },
      owner.access,
    )
    if (!created) return
    const { id, version } = created.createItem
    this.#expectations.expect(`created:${id}`, ITEM_LISTENERS)
    const watched = await this.#client.graphql(
      'watchItem',
      'mutation($id: ID!) { watchItem(id: $id) }',
      { id },
      watcher.access,
    )
    const price = this.#newPrice()
    const updated = await this.#client.graphql<{ updateItem: { version: number } }>(
      'updateItem',
      'mutation($id: ID!, $input: UpdateItemInput!, $v: Int) { updateItem(id: $id, input: $input, ifVersion: $v) { version } }',
      { id, input: { price: price.toFixed(2) }, v: version },
      owner.access,
    )
    if (!updated) return
    this.#expectations.expect(`updated:${id}:${updated.updateItem.version}`, ITEM_LISTENERS)
    if (watched) this.#expectations.expect(`notified:${id}:${Math.round(price * 100)}`, WATCHER_LISTENERS)
    await this.#client.graphql(
      'unwatchItem',
      'mutation($id: ID!) { unwatchItem(id: $id) }',
      { id },
      watcher.access,
    )
    const deleted = await this.#client.graphql(
      'deleteItem',
      'mutation($id: ID!, $v: Int) { deleteItem(id: $id, ifVersion: $v) }',
      { id, v: updated.updateItem.version },
      owner.access,
    )
    if (deleted) this.#expectations.expect(`deleted:${id}`, ITEM_LISTENERS)
  }

  async #restReaderCycle(reader: Session): Promise<void> {
    const id = pick(this.#kept)
    switch (Math.floor(Math.random() * 6)) {
      case 0: {
        const first = await this.#client.request('GET /items', { path: '/items?limit=20' }, [200])
        const next = (first?.body as { next_cursor?: string | null } | undefined)?.next_cursor
        if (next)
          await this.#client.request(
            'GET /items (next page)',
            { path: `/items?limit=20&cursor=${encodeURIComponent(next)}` },
            [200],
          )
        return
      }
      case 1: {
        const filter = pick([
          'tag=soak&sort=price',
          'min_price=5&max_price=50000',
          'q=graphql',
          'sort=-price',
        ])
        await this.#client.request('GET /items (filtered)', { path: `/items?limit=10&${filter}` }, [200])
        return
      }
      case 2:
      case 3: {
        if (!id) return
        const reply = await this.#client.request('GET /items/{id}', { path: `/items/${id}` }, [200])
        const etag = reply?.headers.etag
        if (typeof etag === 'string') {
          await this.#client.request(
            'GET /items/{id} (If-None-Match)',
            { path: `/items/${id}`, headers: { 'if-none-match': etag } },
            [304],
          )
        }
        return
      }
      case 4:
        await this.#client.request('GET /users/me', { path: '/users/me', token: reader.access }, [200])
        return
      default:
        await this.#client.request(
          'GET /users/{id}',
          { path: `/users/${this.#session('graphql').id}` },
          [200],
        )
    }
  }

  async #graphqlReaderCycle(reader: Session): Promise<void> {
    const id = pick(this.#kept)
    switch (Math.floor(Math.random() * 3)) {
      case 0:
        await this.#client.graphql(
          'items',
          '{ items(first: 10, filter: { tag: "soak" }) { edges { node { id name price owner { name } } } pageInfo { hasNextPage endCursor } } }',
          {},
        )
        return
      case 1:
        if (id) {
          await this.#client.graphql(
            'item',
            'query($id: ID!) { item(id: $id) { id name price version tags owner { id name } } }',
            { id },
          )
        }
        return
      default:
        await this.#client.graphql(
          'me',
          '{ me { id username items(first: 5) { edges { node { id } } } } }',
          {},
          reader.access,
        )
    }
  }

  async #signInCycle(cycle: number): Promise<void> {
    const session = await this.#client.signIn(`soak-signin${1 + (cycle % 2)}`)
    if (!session) return
    if (!(await this.#client.refresh(session)) || !(await this.#client.refresh(session))) return
    await this.#client.request('GET /users/me', { path: '/users/me', token: session.access }, [200])
    await this.#client.request(
      'POST /token/revoke',
      {
        method: 'POST',
        path: '/token/revoke',
        form: { token: session.refresh, token_type_hint: 'refresh_token' },
      },
      [200],
    )
  }

  async #chatCycle(cycle: number): Promise<void> {
    const chat = this.#session('chat')
    const text = `soak message ${++this.#counter}`
    if (cycle % 2 === 0) {
      const reply = await this.#client.request(
        'POST /rooms/{name}/messages',
        { method: 'POST', path: `/rooms/${ROOM}/messages`, token: chat.access, json: { text } },
        [201],
      )
      if (reply) this.#expectations.expect(`message:${(reply.body as { id: string }).id}`, WATCHER_LISTENERS)
    } else {
      const ack = await this.#chatSocket?.request({ type: 'publish', topic: `room:${ROOM}`, text })
      const message = ack?.message as { id: string } | undefined
      if (message) this.#expectations.expect(`message:${message.id}`, WATCHER_LISTENERS)
    }
    if (cycle % 10 === 9) {
      await this.#client.request(
        'GET /rooms/{name}/messages',
        { path: `/rooms/${ROOM}/messages?limit=20`, token: chat.access },
        [200],
      )
    }
  }

  async #wsChurnCycle(cycle: number): Promise<void> {
    const user = cycle % 3 === 0 ? undefined : this.#session(`reader${1 + (cycle % 3)}`)
    const ws = await WsConnection.open(this.#origin, '/ws (churn)', this.#tally, user?.access)
    if (!ws) return
    await ws.request({ type: 'subscribe', topic: 'items' })
    const id = pick(this.#kept)
    if (id) await ws.request({ type: 'subscribe', topic: `item:${id}` })
    if (user) {
      await ws.request({ type: 'subscribe', topic: 'room:churn' })
      await ws.request({ type: 'unsubscribe', topic: 'room:churn' })
    }
    await ws.request({ type: 'ping' }, 'pong')
    await sleep(200)
    await ws.close()
  }

  async #graphqlWsChurnCycle(cycle: number): Promise<void> {
    const user = this.#session(`reader${1 + (cycle % 3)}`)
    const name = 'graphql-ws (churn)'
    const client = new GraphqlWsConnection(this.#origin, name, this.#tally, () => user.access, false)
    // mercurius takes only subscriptions over the socket; writers create items all the time, so the first
    // event comes soon and tells that the subscription works.
    const received = await client.first('subscription { itemEvents { type itemId } }', 200)
    this.#tally.request()
    if (!received && this.#running) this.#tally.error(`${name}: no event within 10 s`, 'itemEvents')
    await client.close()
  }

  /** Keeps the long-lived sessions signed in: refresh, then the /ws connections re-authenticate. */
  async #renewLoop(): Promise<void> {
    let last = Date.now()
    while (this.#running) {
      await sleep(1000)
      if (Date.now() - last < RENEW_MS) continue
      last = Date.now()
      for (const session of this.#sessions.values()) await this.#client.refresh(session)
      await this.#wsWatcher?.request({ type: 'auth', token: this.#session('watcher').access })
      await this.#chatSocket?.request({ type: 'auth', token: this.#session('chat').access })
    }
  }

  async #sweepLoop(): Promise<void> {
    while (this.#running) {
      await sleep(1000)
      this.#expectations.sweep(EVENT_GRACE_MS)
    }
  }

  /** Runs every loop until `until()`; resolves when each has finished its last operation. */
  async run(): Promise<void> {
    const loops: Promise<void>[] = [this.#renewLoop(), this.#sweepLoop()]
    const loop = (pauseMs: number, cycle: (n: number) => Promise<void>) =>
      loops.push(
        (async () => {
          for (let n = 0; this.#running; n++) {
            await cycle(n)
            await sleep(pauseMs * (0.5 + Math.random()))
          }
        })(),
      )
    for (let i = 0; i < PLAN.restReaders.loops; i++) {
      const reader = this.#session(`reader${1 + (i % 3)}`)
      loop(PLAN.restReaders.pauseMs, () => this.#restReaderCycle(reader))
    }
    for (let i = 1; i <= PLAN.restWriters.loops; i++) {
      const writer = this.#session(`writer${i}`)
      loop(PLAN.restWriters.pauseMs, (n) => this.#restWriterCycle(writer, n, n % 2 === 0))
    }
    for (let i = 0; i < PLAN.graphqlReaders.loops; i++) {
      const reader = this.#session(`reader${1 + (i % 3)}`)
      loop(PLAN.graphqlReaders.pauseMs, () => this.#graphqlReaderCycle(reader))
    }
    for (let i = 0; i < PLAN.graphqlWriters.loops; i++)
      loop(PLAN.graphqlWriters.pauseMs, () => this.#graphqlWriterCycle())
    for (let i = 0; i < PLAN.signIns.loops; i++) loop(PLAN.signIns.pauseMs, (n) => this.#signInCycle(n))
    for (let i = 0; i < PLAN.chat.loops; i++) loop(PLAN.chat.pauseMs, (n) => this.#chatCycle(n))
    for (let i = 0; i < PLAN.wsChurn.loops; i++) loop(PLAN.wsChurn.pauseMs, (n) => this.#wsChurnCycle(n))
    for (let i = 0; i < PLAN.graphqlWsChurn.loops; i++)
      loop(PLAN.graphqlWsChurn.pauseMs, (n) => this.#graphqlWsChurnCycle(n))
    await Promise.all(loops)
  }

  /** After the run: waits (bounded) for the events still owed, then counts what is missing as lost. */
  async drain(): Promise<void> {
    if (!(await this.#settled(EVENT_GRACE_MS))) this.#expectations.sweep(0)
  }

  async close(): Promise<void> {
    for (const close of this.#closers.splice(0)) await close().catch(() => {})
    await this.#client.close()
  }
}
