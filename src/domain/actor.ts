// Who is acting: a signed-in user (with the scopes of their token) or nobody.

export type Role = 'user' | 'admin'

export interface Actor {
  id: string
  role: Role
  scopes: readonly string[]
}

export type MaybeActor = Actor | null
