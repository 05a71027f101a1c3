// Calls and checks that the items suites share. `app()` is read at call time, after beforeAll made it.
import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { problem, type SignedUp, type TestApp } from './app.ts'

export interface ItemJson {
  id: string
  name: string
  price: number
  description: string | null
  tags: string[]
  owner_id: string
  version: number
  created_at: string
  updated_at: string
}

export interface PageJson {
  items: ItemJson[]
  next_cursor: string | null
}

export type Query = Record<string, string | number>
export type Headers = Record<string, string>

export const PROBLEMS = 'https://trestle.dev/problems#'
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const NO_SUCH_ID = '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11'

/** The item calls, against the app `current()` returns. */
export function itemCalls(current: () => TestApp) {
  function post(who: SignedUp | undefined, payload: Record<string, unknown>, headers: Headers = {}) {
    return current().app.inject({
      method: 'POST',
      url: '/items',
      headers: { ...who?.auth, ...headers },
      payload,
    })
  }

  /** Creates an item (a teapot at 9.99 unless told otherwise) and returns its JSON. */
  async function create(who: SignedUp, fields: Record<string, unknown> = {}): Promise<ItemJson> {
    const res = await post(who, { name: 'Teapot', price: 9.99, ...fields })
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`)
    return res.json()
  }

  function get(id: string, headers: Headers = {}) {
    return current().app.inject({ method: 'GET', url: `/items/${id}`, headers })
  }

  function list(query: Query = {}, headers: Headers = {}) {
    const search = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    )
    return current().app.inject({ method: 'GET', url: `/items?${search}`, headers })
  }

  function patch(
    who: SignedUp | undefined,
    id: string,
    payload: Record<string, unknown>,
    headers: Headers = {},
  ) {
    return current().app.inject({
      method: 'PATCH',
      url: `/items/${id}`,
      headers: { ...who?.auth, ...headers },
      payload,
    })
  }

  function remove(who: SignedUp | undefined, id: string, headers: Headers = {}) {
    return current().app.inject({
      method: 'DELETE',
      url: `/items/${id}`,
      headers: { ...who?.auth, ...headers },
    })
  }

  /** The one page a listing returns, asserting it is a 200. */
  async function page(query: Query): Promise<PageJson> {
    const res = await list(query)
    if (res.statusCode !== 200) throw new Error(`expected 200, got ${res.statusCode}: ${res.body}`)
    return res.json()
  }

  async function names(query: Query): Promise<string[]> {
    return (await page(query)).items.map((item) => item.name)
  }

  /** Follows `next_cursor` from the first page to the last and returns every page. */
  async function walk(query: Query): Promise<ItemJson[][]> {
    const pages: ItemJson[][] = []
    let cursor: string | null = null
    do {
      const body: PageJson = await page(cursor === null ? query : { ...query, cursor })
      pages.push(body.items)
      cursor = body.next_cursor
      if (pages.length > 50) throw new Error('the cursor never ends')
    } while (cursor !== null)
    return pages
  }
  return { post, create, get, list, patch, remove, page, names, walk }
}

/** Asserts a 422 validation problem and returns the pointers it names, checking where they were sent. */
export function invalid(res: LightMyRequestResponse, where: 'body' | 'query' | 'path'): string[] {
  const body = problem(res, 422)
  expect(body.type).toBe(`${PROBLEMS}validation-failed`)
  expect(body.errors?.length).toBeGreaterThan(0)
  for (const error of body.errors ?? []) {
    expect(error.in).toBe(where)
    expect(error.detail).toEqual(expect.any(String))
  }
  return (body.errors ?? []).map((e) => e.pointer)
}

export function nextLink(res: LightMyRequestResponse): string | undefined {
  const header = res.headers.link
  if (header === undefined) return undefined
  const match = /^<([^>]+)>; rel="next"$/.exec(String(header))
  if (!match?.[1]) throw new Error(`not a rel="next" link: ${header}`)
  return match[1]
}
