// Chat rooms over REST and GraphQL: the same service, so the same refusals, the same pages and the same
// cursors on both. Refusals first, then posting and paging.
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, problem, type SignedUp, signUpAndIn, type TestApp } from '../support/app.ts'
import { record } from '../support/events.ts'
import { invalid, nextLink, PROBLEMS, UUID } from '../support/items.ts'

let t: TestApp
let alice: SignedUp
let bob: SignedUp

beforeAll(async () => {
  t = await createTestApp()
  alice = await signUpAndIn(t)
  bob = await signUpAndIn(t)
})
afterAll(() => t.close())

interface MessageJson {
  id: string
  room: string
  author: { id: string; name: string }
  text: string
  created_at: string
}

function post(who: SignedUp | undefined, room: string, payload: unknown) {
  return t.app.inject({
    method: 'POST',
    url: `/rooms/${room}/messages`,
    headers: { ...who?.auth },
    payload: payload as Record<string, unknown>,
  })
}

function list(who: SignedUp | undefined, room: string, query: Record<string, string | number> = {}) {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return t.app.inject({ method: 'GET', url: `/rooms/${room}/messages?${search}`, headers: { ...who?.auth } })
}

async function posted(who: SignedUp, room: string, text: string): Promise<MessageJson> {
  const res = await post(who, room, { text })
  if (res.statusCode !== 201) throw new Error(`post failed: ${res.body}`)
  return res.json()
}

interface GqlError {
  message: string
  extensions?: { code?: string; field?: string }
}

async function gql(query: string, variables: Record<string, unknown>, who?: SignedUp) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { ...who?.auth },
    payload: { query, variables },
  })
  // biome-ignore lint/suspicious/noExplicitAny: answers are read as the JSON the tests expect
  return res.json() as { data?: Record<string, any> | null; errors?: GqlError[] }
}

const PAGE_QUERY = `query($room: String!, $first: Int!, $after: String) {
  roomMessages(room: $room, first: $first, after: $after) {
    edges { cursor node { id room author { id name } text createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`
const POST_MUTATION = `mutation($room: String!, $text: String!) {
  postMessage(room: $room, text: $text) { id room author { id name } text createdAt }
}`

const gqlPage = (who: SignedUp | undefined, room: string, first: number, after?: string) =>
  gql(PAGE_QUERY, { room, first, after }, who)
const gqlPost = (who: SignedUp | undefined, room: string, text: string) =>
  gql(POST_MUTATION, { room, text }, who)

/** The one error of a GraphQL answer, as code and field. */
function refusal(answer: { errors?: GqlError[] }) {
  expect(answer.errors).toHaveLength(1)
  const { code, field } = answer.errors?.[0]?.extensions ?? {}
  return field === undefined ? { code } : { code, field }
}

function details(res: LightMyRequestResponse) {
  return problem(res, 422).errors?.map((e) => e.detail)
}

// A cursor made by hand: [room, created_at, id], as src/transports/shared/message-cursor.ts writes them.
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const SOME_ID = '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d'

describe('refusals', () => {
  it('anonymous callers get 401 over REST and UNAUTHENTICATED over GraphQL, before anything else', async () => {
    for (const res of [
      await list(undefined, 'lobby'),
      await post(undefined, 'lobby', { text: 'hi' }),
      // Sign-in comes first: an invalid request from an anonymous caller learns only that.
      await list(undefined, 'Not-A-Room', { cursor: 'nope' }),
      await post(undefined, 'lobby', { text: '' }),
    ]) {
      expect(problem(res, 401).type).toBe(`${PROBLEMS}unauthenticated`)
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="trestle"/)
    }
    expect(refusal(await gqlPage(undefined, 'lobby', 5))).toEqual({ code: 'UNAUTHENTICATED' })
    expect(refusal(await gqlPage(undefined, 'Not-A-Room', 5, 'nope'))).toEqual({ code: 'UNAUTHENTICATED' })
    expect(refusal(await gqlPost(undefined, 'lobby', 'hi'))).toEqual({ code: 'UNAUTHENTICATED' })
    expect(refusal(await gqlPost(undefined, 'lobby', ''))).toEqual({ code: 'UNAUTHENTICATED' })
  })

  it('refuses a bad room name, naming the field, with the same reason on both', async () => {
    for (const room of ['Lobby', 'a%20b', '-lobby', 'x'.repeat(65), 'room%3Ax', '%C3%A9']) {
      const read = await list(alice, room)
      expect(invalid(read, 'path'), room).toEqual(['/name'])
      const write = await post(alice, room, { text: 'hi' })
      expect(invalid(write, 'path'), room).toEqual(['/name'])
      const name = decodeURIComponent(room)
      expect(refusal(await gqlPage(alice, name, 5)), room).toEqual({ code: 'BAD_USER_INPUT', field: '/room' })
      expect(refusal(await gqlPost(alice, name, 'hi')), room).toEqual({
        code: 'BAD_USER_INPUT',
        field: '/room',
      })
      expect(details(read)).toEqual([(await gqlPost(alice, name, 'hi')).errors?.[0]?.message])
    }
  })

  it('refuses empty, blank, too long and NUL-bearing text, naming the field, with the same reason on both', async () => {
    for (const text of ['', '   ', '\u200b', 'x'.repeat(2001), 'nul\u0000byte']) {
      const res = await post(alice, 'lobby', { text })
      expect(invalid(res, 'body'), JSON.stringify(text)).toEqual(['/text'])
      const answer = await gqlPost(alice, 'lobby', text)
      expect(refusal(answer), JSON.stringify(text)).toEqual({ code: 'BAD_USER_INPUT', field: '/text' })
      expect(details(res)).toEqual([answer.errors?.[0]?.message])
    }
    // Characters are counted as a person counts them: 2000 emoji are 2000 characters.
    expect((await post(alice, 'lobby', { text: '😀'.repeat(2000) })).statusCode).toBe(201)
    expect((await gqlPost(alice, 'lobby', '😀'.repeat(2000))).errors).toBeUndefined()
  })

  it('refuses a body that is not { text }', async () => {
    expect(invalid(await post(alice, 'lobby', {}), 'body')).toEqual(['/text'])
    expect(invalid(await post(alice, 'lobby', { text: 'hi', author_id: bob.id }), 'body')).toEqual([
      '/author_id',
    ])
    expect(invalid(await post(alice, 'lobby', { text: 5 }), 'body')).toEqual(['/text'])
  })

  it('refuses a cursor that is not one of this room’s, and a page size out of range', async () => {
    const real = await posted(alice, 'cursors', 'one')
    await posted(alice, 'cursors', 'two')
    const next = (await list(alice, 'cursors', { limit: 1 })).json().next_cursor as string
    const bad = [
      'nope',
      '',
      cursorOf(['elsewhere', real.created_at, real.id]), // another room's
      cursorOf(['cursors', '2026-02-30T00:00:00.000Z', SOME_ID]), // a day that does not exist
      cursorOf(['cursors', '0000-01-01T00:00:00.000Z', SOME_ID]),
      cursorOf(['cursors', real.created_at, 'not-an-id']),
      cursorOf(['cursors', real.created_at]),
      cursorOf({ room: 'cursors' }),
    ]
    for (const cursor of bad) {
      const res = await list(alice, 'cursors', { cursor })
      expect(invalid(res, 'query'), cursor).toEqual(['/cursor'])
      expect(refusal(await gqlPage(alice, 'cursors', 5, cursor)), cursor).toEqual({
        code: 'BAD_USER_INPUT',
        field: '/after',
      })
    }
    // The same cursor is refused in another room.
    expect(invalid(await list(alice, 'elsewhere', { cursor: next }), 'query')).toEqual(['/cursor'])
    for (const limit of [0, 101, 'ten']) {
      expect(invalid(await list(alice, 'cursors', { limit }), 'query')).toEqual(['/limit'])
    }
    for (const first of [0, 101]) {
      const answer = await gqlPage(alice, 'cursors', first)
      expect(answer.errors?.[0]?.message).toMatch(/`first` must be between 1 and 100/)
    }
  })
})

describe('posting and paging', () => {
  it('POST stores the message as the caller, answers 201 with it and Location, and announces it', async () => {
    const events = record(t.container.bus)
    const res = await post(alice, 'lobby', { text: 'Hello, room!' })
    expect(res.statusCode).toBe(201)
    expect(res.headers.location).toBe('/rooms/lobby/messages')
    const message = res.json() as MessageJson
    expect(message).toEqual({
      id: expect.stringMatching(UUID),
      room: 'lobby',
      author: { id: alice.id, name: alice.username },
      text: 'Hello, room!',
      created_at: expect.any(String),
    })
    expect(new Date(message.created_at).toISOString()).toBe(message.created_at)
    const event = await events.next((e) => e.type === 'message.posted' && e.message.id === message.id)
    expect(event).toMatchObject({ type: 'message.posted', message: { room: 'lobby', text: 'Hello, room!' } })
    events.stop()
    const listed = (await list(bob, 'lobby', { limit: 1 })).json().messages
    expect(listed).toEqual([message])
  })

  it('accepts a trailing slash and keeps the text as sent', async () => {
    const text = '  spaces, "quotes", <b>tags</b> and\nlines  '
    const res = await t.app.inject({
      method: 'POST',
      url: '/rooms/slash/messages/',
      headers: alice.auth,
      payload: { text },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json().text).toBe(text)
    const read = await t.app.inject({ method: 'GET', url: '/rooms/slash/messages/', headers: bob.auth })
    expect(read.json().messages.map((m: MessageJson) => m.text)).toEqual([text])
  })

  it('a room with no messages is an empty last page', async () => {
    const res = await list(alice, 'empty')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ messages: [], next_cursor: null })
    expect(res.headers.link).toBeUndefined()
    const answer = await gqlPage(alice, 'empty', 10)
    expect(answer.data?.roomMessages).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    })
  })

  it('REST pages newest first by cursor, with Link rel="next", until next_cursor is null', async () => {
    const texts = Array.from({ length: 7 }, (_, i) => `m${i}`)
    for (const [i, text] of texts.entries()) await posted(i % 2 ? bob : alice, 'paging', text)
    await posted(alice, 'other-room', 'not here')

    const seen: string[] = []
    let res = await list(alice, 'paging', { limit: 3 })
    for (let pages = 0; ; pages++) {
      expect(res.statusCode).toBe(200)
      const body = res.json() as { messages: MessageJson[]; next_cursor: string | null }
      seen.push(...body.messages.map((m) => m.text))
      if (body.next_cursor === null) {
        expect(res.headers.link).toBeUndefined()
        break
      }
      const link = nextLink(res)
      expect(link).toBe(`/rooms/paging/messages?limit=3&cursor=${body.next_cursor}`)
      expect(pages).toBeLessThan(5)
      res = await t.app.inject({ method: 'GET', url: String(link), headers: alice.auth })
    }
    expect(seen).toEqual([...texts].reverse())
    // Without a limit, a page holds up to 50.
    expect((await list(alice, 'paging')).json().messages).toHaveLength(7)
  })

  it('GraphQL pages the same messages, and the cursors are the same as REST’s', async () => {
    const texts = Array.from({ length: 5 }, (_, i) => `g${i}`)
    for (const text of texts) await posted(alice, 'shared', text)
    const first = await gqlPage(bob, 'shared', 2)
    expect(first.errors).toBeUndefined()
    const connection = first.data?.roomMessages
    expect(connection.edges.map((e: { node: { text: string } }) => e.node.text)).toEqual(['g4', 'g3'])
    expect(connection.pageInfo.hasNextPage).toBe(true)
    expect(connection.edges[0].node).toMatchObject({
      room: 'shared',
      author: { id: alice.id, name: alice.username },
    })

    const rest = (await list(bob, 'shared', { limit: 2 })).json()
    expect(rest.next_cursor).toBe(connection.pageInfo.endCursor)
    expect(rest.messages.map((m: MessageJson) => m.id)).toEqual(
      connection.edges.map((e: { node: { id: string } }) => e.node.id),
    )
    expect(rest.messages[0].created_at).toBe(connection.edges[0].node.createdAt)

    // A GraphQL cursor continues over REST, and the other way round.
    const restNext = (await list(bob, 'shared', { limit: 2, cursor: connection.pageInfo.endCursor })).json()
    expect(restNext.messages.map((m: MessageJson) => m.text)).toEqual(['g2', 'g1'])
    const last = await gqlPage(bob, 'shared', 10, restNext.next_cursor)
    expect(last.data?.roomMessages.edges.map((e: { node: { text: string } }) => e.node.text)).toEqual(['g0'])
    expect(last.data?.roomMessages.pageInfo).toEqual({
      hasNextPage: false,
      endCursor: last.data?.roomMessages.edges[0].cursor,
    })
  })

  it('postMessage stores as the caller and answers the message; REST lists it', async () => {
    const answer = await gqlPost(bob, 'graphql-room', 'from GraphQL')
    expect(answer.errors).toBeUndefined()
    const message = answer.data?.postMessage
    expect(message).toEqual({
      id: expect.stringMatching(UUID),
      room: 'graphql-room',
      author: { id: bob.id, name: bob.username },
      text: 'from GraphQL',
      createdAt: expect.any(String),
    })
    const listed = (await list(alice, 'graphql-room')).json().messages
    expect(listed).toEqual([
      {
        id: message.id,
        room: 'graphql-room',
        author: { id: bob.id, name: bob.username },
        text: 'from GraphQL',
        created_at: message.createdAt,
      },
    ])
  })
})
