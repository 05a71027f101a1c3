import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { UserService } from '../../../domain/users.ts'
import { problemResponses } from '../../../plugins/problem.ts'
import { noBody } from '../no-body.ts'
import {
  AccountSchema,
  AdminUpdateBody,
  accountJson,
  ListUsersQuery,
  Me,
  meJson,
  PublicUser,
  publicUserJson,
  SignUpBody,
  UpdateMeBody,
  UserPageSchema,
  UserParams,
} from './schemas.ts'

const signedIn = [{ OAuth2: [] }]
const adminScope = [{ OAuth2: ['users:admin'] }]

const usersRoutes: FastifyPluginAsyncTypebox<{ users: UserService }> = async (app, { users }) => {
  app.post(
    '/users',
    {
      config: { rateLimit: { policy: 'auth' } },
      schema: {
        tags: ['users'],
        summary: 'Sign up',
        description:
          'Creates an account with the role `user`. Open to anyone unless `ALLOW_SIGNUP=false`, in which case only admins may create accounts. The password is stored as an argon2id hash.',
        body: SignUpBody,
        response: {
          201: { ...Me, description: 'The new account; `Location` names it' },
          ...problemResponses(400, 403, 409, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { username, email, password, full_name } = request.body
      const user = await users.signUp(request.actor, {
        username,
        email,
        password,
        fullName: full_name ?? null,
      })
      return reply.code(201).header('location', `/users/${user.id}`).send(meJson(user))
    },
  )

  app.get(
    '/users/me',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['users'],
        summary: 'Your account',
        description: 'Returns the account of the signed-in caller, email and role included.',
        security: signedIn,
        response: { 200: Me, ...problemResponses(401) },
      },
    },
    async (request) => meJson(await users.me(request.actor)),
  )

  app.patch(
    '/users/me',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['users'],
        summary: 'Edit your account',
        description:
          'Changes your email, display name or password. Changing the password needs `current_password`. Fields not sent keep their values; `role` and other fields are not accepted here.',
        security: signedIn,
        body: UpdateMeBody,
        response: { 200: Me, ...problemResponses(400, 401, 409, 415, 422) },
      },
    },
    async (request) => {
      const { email, full_name, password, current_password } = request.body
      const user = await users.updateMe(request.actor, {
        ...(email !== undefined && { email }),
        ...(full_name !== undefined && { fullName: full_name }),
        ...(password !== undefined && { password }),
        ...(current_password !== undefined && { currentPassword: current_password }),
      })
      return meJson(user)
    },
  )

  app.get(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Public profile',
        description: 'Anyone may read the public profile of an account: no email, no role.',
        params: UserParams,
        response: { 200: PublicUser, ...problemResponses(404, 422) },
      },
    },
    async (request) => publicUserJson(await users.profile(request.params.id)),
  )

  app.get(
    '/users',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['users'],
        summary: 'List accounts',
        description: 'Admins page through every account, oldest first, optionally by role or disabled flag.',
        security: adminScope,
        querystring: ListUsersQuery,
        response: {
          200: { ...UserPageSchema, description: 'A page of accounts' },
          ...problemResponses(401, 403, 422),
        },
      },
    },
    async (request) => {
      const { limit, cursor, role, disabled } = request.query
      const page = await users.list(request.actor, {
        ...(limit !== undefined && { limit }),
        ...(cursor !== undefined && { after: cursor }),
        ...(role !== undefined && { role }),
        ...(disabled !== undefined && { disabled }),
      })
      return { users: page.users.map(accountJson), next_cursor: page.next ?? null }
    },
  )

  app.patch(
    '/users/:id',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['users'],
        summary: 'Change a role or disable an account',
        description:
          "Admins change an account's role or disable it. Either change signs the account out everywhere: its refresh tokens are revoked, and a disabled account's access tokens stop working within `ACCOUNT_CACHE_TTL` seconds. Admins cannot change their own role or disable themselves.",
        security: adminScope,
        params: UserParams,
        body: AdminUpdateBody,
        response: { 200: AccountSchema, ...problemResponses(400, 401, 403, 404, 415, 422) },
      },
    },
    async (request) => accountJson(await users.adminUpdate(request.actor, request.params.id, request.body)),
  )

  app.post(
    '/users/:id/sign-out',
    {
      onRequest: app.requireSignIn,
      schema: {
        tags: ['users'],
        summary: 'Sign out everywhere',
        description:
          "Revokes every refresh token of the account, on every device. Access tokens already issued expire on their own within `ACCESS_TOKEN_TTL`. The account's own user or an admin may.",
        security: signedIn,
        params: UserParams,
        response: {
          204: { type: 'null', description: 'Signed out everywhere' },
          ...problemResponses(401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      await users.signOutEverywhere(request.actor, request.params.id)
      return noBody(reply, 204)
    },
  )
}

export default usersRoutes
