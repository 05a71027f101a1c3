// Who may do what. Every transport reaches these rules through the domain services, never around them.
import type { Actor, MaybeActor, Role } from './actor.ts'
import { ForbiddenError, UnauthenticatedError } from './errors.ts'

export const SCOPES = {
  'items:read': 'Read items (reading is also open to anonymous callers)',
  'items:write': 'Create, edit and delete your own items',
  'users:admin': 'Manage every account and item',
} as const

export type Scope = keyof typeof SCOPES

/** The scopes each role may be granted; a token never carries more. */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  user: ['items:read', 'items:write'],
  admin: ['items:read', 'items:write', 'users:admin'],
}

/** A signed-in caller lacks a scope the operation needs (OAuth2 insufficient_scope). */
export class InsufficientScopeError extends ForbiddenError {
  readonly scope: Scope
  constructor(scope: Scope) {
    super(`This needs the "${scope}" scope.`)
    this.scope = scope
  }
}

export function requireActor(actor: MaybeActor): Actor {
  if (!actor) throw new UnauthenticatedError()
  return actor
}

export function requireScope(actor: MaybeActor, scope: Scope): Actor {
  const signedIn = requireActor(actor)
  if (!signedIn.scopes.includes(scope)) throw new InsufficientScopeError(scope)
  return signedIn
}

export function isAdmin(actor: MaybeActor): boolean {
  return actor?.role === 'admin' && actor.scopes.includes('users:admin')
}

/** Only the owner or an admin edits or deletes an item. */
export function assertCanEditItem(actor: MaybeActor, item: { ownerId: string }): Actor {
  const signedIn = requireScope(actor, 'items:write')
  if (signedIn.id !== item.ownerId && !isAdmin(signedIn)) {
    throw new ForbiddenError('Only the owner of this item or an admin may change it.')
  }
  return signedIn
}

/** Only admins list users, change roles or disable accounts. */
export function assertCanManageUsers(actor: MaybeActor): Actor {
  const signedIn = requireScope(actor, 'users:admin')
  if (signedIn.role !== 'admin') throw new ForbiddenError('Only admins may manage accounts.')
  return signedIn
}

/** A user's private fields (email, role) are theirs and admins' to see. */
export function maySeePrivateFields(actor: MaybeActor, userId: string): boolean {
  return actor !== null && (actor.id === userId || isAdmin(actor))
}
