// Relay-style connections: `edges { cursor node }`, `nodes` and `pageInfo`. Every connection requires
// `first` (at most 100), which is also what it costs.
import type { ObjectRef } from '@pothos/core'
import { builder, type Types } from '../builder.ts'

export interface Page<T> {
  edges: { cursor: string; node: T }[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

const PageInfo = builder.objectRef<Page<unknown>['pageInfo']>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: 'Pass as `after` for the next page',
    }),
  }),
})

export function connection<T>(name: string, node: ObjectRef<Types, T>) {
  const Edge = builder.objectRef<Page<T>['edges'][number]>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      // The generic node type is beyond what Pothos can check here; callers' refs fix it.
      node: t.field({ type: node, resolve: (edge) => edge.node as never }),
    }),
  })
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({ type: [Edge], resolve: (page) => page.edges }),
      nodes: t.field({ type: [node], resolve: (page) => page.edges.map((e) => e.node) as never }),
      pageInfo: t.field({ type: PageInfo, resolve: (page) => page.pageInfo }),
    }),
  })
}
