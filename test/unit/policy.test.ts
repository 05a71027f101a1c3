// Who may do what: the rules every transport reaches through the domain services.
import { describe, expect, it } from 'vitest'
import type { Actor } from '../../src/domain/actor.ts'
import { ForbiddenError, UnauthenticatedError } from '../../src/domain/errors.ts'
import {
  assertCanEditItem,
  assertCanManageUsers,
  InsufficientScopeError,
  ROLE_SCOPES,
} from '../../src/domain/policy.ts'

const owner: Actor = { id: 'owner', role: 'user', scopes: ROLE_SCOPES.user }
const other: Actor = { id: 'other', role: 'user', scopes: ROLE_SCOPES.user }
const admin: Actor = { id: 'admin', role: 'admin', scopes: ROLE_SCOPES.admin }
const readOnlyOwner: Actor = { ...owner, scopes: ['items:read'] }
const adminWithoutAdminScope: Actor = { ...admin, scopes: ['items:read', 'items:write'] }
const item = { ownerId: 'owner' }

describe('editing an item', () => {
  it.each([
    ['anonymous', null, UnauthenticatedError],
    ['another user', other, ForbiddenError],
    ['the owner with a read-only token', readOnlyOwner, InsufficientScopeError],
    ['an admin whose token lacks users:admin', adminWithoutAdminScope, ForbiddenError],
  ])('is refused to %s', (_who, actor, error) => {
    expect(() => assertCanEditItem(actor, item)).toThrow(error)
  })

  it.each([
    ['the owner', owner],
    ['an admin', admin],
  ])('is allowed to %s', (_who, actor) => {
    expect(assertCanEditItem(actor, item)).toBe(actor)
  })
})

describe('managing users', () => {
  it('is for admins only', () => {
    expect(() => assertCanManageUsers(null)).toThrow(UnauthenticatedError)
    expect(() => assertCanManageUsers(owner)).toThrow(InsufficientScopeError)
    expect(assertCanManageUsers(admin)).toBe(admin)
  })
})
