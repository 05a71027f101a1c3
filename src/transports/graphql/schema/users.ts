import { CurrentPassword, Email, FullName, Password } from '../../../domain/fields.ts'
import { maySeePrivateFields } from '../../../domain/policy.ts'
import type { User } from '../../../domain/users.ts'
import { builder } from '../builder.ts'
import type { Page } from './connections.ts'
import { decodeItemCursor, itemPage } from './item-pages.ts'
import { ItemConnection, UserConnection, UserRef } from './refs.ts'
import { ruleDoc } from './rule-docs.ts'

const Role = builder.enumType('Role', { values: ['user', 'admin'] as const })

UserRef.implement({
  description: 'An account. Email and role are visible to the account itself and to admins only.',
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    name: t.string({
      description: 'The display name, or the username when none is set',
      resolve: (u) => u.fullName ?? u.username,
    }),
    fullName: t.string({ nullable: true, resolve: (u) => u.fullName }),
    email: t.string({
      nullable: true,
      description: 'Null unless you are this user or an admin',
      resolve: (u, _args, ctx) => (maySeePrivateFields(ctx.actor, u.id) ? u.email : null),
    }),
    role: t.field({
      type: Role,
      nullable: true,
      description: 'Null unless you are this user or an admin',
      resolve: (u, _args, ctx) => (maySeePrivateFields(ctx.actor, u.id) ? u.role : null),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (u) => u.createdAt }),
    items: t.field({
      type: ItemConnection,
      description: 'Their items, newest first',
      args: { first: t.arg.int({ required: true }), after: t.arg.string() },
      resolve: async (user, { first, after }, ctx) => {
        if (!after) {
          // The first page of every user in a list loads in one query.
          const items = await ctx.loaders.firstItems.load(`${user.id}:${first}`)
          return itemPage(items, first, '-created_at')
        }
        const sort = '-created_at'
        const page = await ctx.services.items.list({
          ownerId: user.id,
          limit: first,
          after: decodeItemCursor(after, sort),
          sort,
        })
        return itemPage(page.items, first, sort, page.next !== undefined)
      },
    }),
  }),
})

const UsersFilter = builder.inputType('UsersFilter', {
  fields: (t) => ({
    role: t.field({ type: Role }),
    disabled: t.boolean(),
  }),
})

const UpdateMeInput = builder.inputType('UpdateMeInput', {
  fields: (t) => ({
    email: t.string({ description: ruleDoc(Email) }),
    fullName: t.string({ description: ruleDoc(FullName, 'Null clears it') }),
    password: t.string({ description: ruleDoc(Password, 'Needs currentPassword') }),
    currentPassword: t.string({ description: ruleDoc(CurrentPassword) }),
  }),
})

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  fields: (t) => ({ role: t.field({ type: Role }), disabled: t.boolean() }),
})

builder.queryFields((t) => ({
  me: t.field({
    type: UserRef,
    description: 'The signed-in caller',
    resolve: (_root, _args, ctx) => ctx.services.users.me(ctx.actor),
  }),
  user: t.field({
    type: UserRef,
    nullable: true,
    description: 'A user by id; null when there is none',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ctx.loaders.user.load(String(id)),
  }),
  users: t.field({
    type: UserConnection,
    description: 'Every account, oldest first (admins only)',
    args: {
      first: t.arg.int({ required: true }),
      after: t.arg.string(),
      filter: t.arg({ type: UsersFilter }),
    },
    resolve: async (_root, { first, after, filter }, ctx) => {
      const page = await ctx.services.users.list(ctx.actor, {
        limit: first,
        ...(after ? { after } : {}),
        ...(filter?.role ? { role: filter.role } : {}),
        ...(typeof filter?.disabled === 'boolean' ? { disabled: filter.disabled } : {}),
      })
      const result: Page<User> = {
        edges: page.users.map((u) => ({ cursor: u.id, node: u })),
        pageInfo: { hasNextPage: page.next !== undefined, endCursor: page.users.at(-1)?.id ?? null },
      }
      return result
    },
  }),
}))

builder.mutationFields((t) => ({
  updateMe: t.field({
    type: UserRef,
    description:
      'Changes your email, name or password (which needs currentPassword and signs you out elsewhere)',
    args: { input: t.arg({ type: UpdateMeInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.users.updateMe(ctx.actor, {
        ...(input.email != null && { email: input.email }),
        ...(input.fullName !== undefined && { fullName: input.fullName }),
        ...(input.password != null && { password: input.password }),
        ...(input.currentPassword != null && { currentPassword: input.currentPassword }),
      }),
  }),
  updateUser: t.field({
    type: UserRef,
    description: 'Admins: change a role or disable an account (signs it out everywhere)',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateUserInput, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      ctx.services.users.adminUpdate(ctx.actor, String(id), {
        ...(input.role != null && { role: input.role }),
        ...(input.disabled != null && { disabled: input.disabled }),
      }),
  }),
  signOutEverywhere: t.boolean({
    description: 'Ends every sign-in of an account: yours, or anyone’s for an admin',
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (_root, { userId }, ctx) => {
      await ctx.services.users.signOutEverywhere(ctx.actor, String(userId))
      return true
    },
  }),
}))
