// Shapes of the /users endpoints, built from the domain's field rules (src/domain/fields.ts): the domain and
// ajv enforce one definition, and the OpenAPI document shows it.
import { type Static, Type } from 'typebox'
import {
  CurrentPassword,
  Email,
  FullName,
  Nullable,
  PAGE,
  PageLimit,
  Password,
  Username,
  Uuid,
} from '../../../domain/fields.ts'
import { publicProfile, type User } from '../../../domain/users.ts'

const id = { ...Uuid, description: 'User id', examples: ['0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f'] }
const username = {
  ...Username,
  description: 'Unique, case-insensitive; stored in lower case',
  examples: ['alice'],
}
const email = { ...Email, description: 'Unique, case-insensitive', examples: ['alice@example.com'] }
const fullName = Nullable(FullName, { description: 'Display name', examples: ['Alice Liddell'] })
const password = { ...Password, description: '8 to 128 characters; no composition rules' }
const timestamp = Type.String({ format: 'date-time', examples: ['2026-11-24T18:00:00.000Z'] })

export const UserParams = Type.Object({ id })

export const SignUpBody = Type.Object(
  { username, email, password, full_name: Type.Optional(fullName) },
  {
    additionalProperties: false,
    examples: [
      {
        username: 'alice',
        email: 'alice@example.com',
        password: 'correct horse battery',
        full_name: 'Alice Liddell',
      },
    ],
  },
)

export const UpdateMeBody = Type.Object(
  {
    email: Type.Optional(email),
    full_name: Type.Optional(fullName),
    password: Type.Optional(password),
    current_password: Type.Optional({
      ...CurrentPassword,
      description: 'Required when changing the password',
    }),
  },
  {
    additionalProperties: false,
    examples: [
      { full_name: 'Alice P. Liddell' },
      { password: 'a new long passphrase', current_password: 'correct horse battery' },
    ],
  },
)

const meExample = {
  id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f',
  username: 'alice',
  email: 'alice@example.com',
  full_name: 'Alice Liddell',
  role: 'user',
  created_at: '2026-11-24T18:00:00.000Z',
  updated_at: '2026-11-24T18:00:00.000Z',
}

export const Me = Type.Object(
  {
    id,
    username,
    email,
    full_name: fullName,
    role: Type.Enum(['user', 'admin']),
    created_at: timestamp,
    updated_at: timestamp,
  },
  { description: 'Your own account', examples: [meExample] },
)

export const PublicUser = Type.Object(
  { id, username, full_name: fullName, created_at: timestamp },
  {
    description: 'What anyone may see of an account',
    examples: [
      { id: meExample.id, username: 'alice', full_name: 'Alice Liddell', created_at: meExample.created_at },
    ],
  },
)

export function meJson(user: User): Static<typeof Me> {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    full_name: user.fullName,
    role: user.role,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  }
}

export function publicUserJson(user: User): Static<typeof PublicUser> {
  const p = publicProfile(user)
  return { id: p.id, username: p.username, full_name: p.fullName, created_at: p.createdAt }
}

export const AccountSchema = Type.Object(
  {
    ...Me.properties,
    disabled: Type.Boolean({ description: 'A disabled account cannot sign in, and its tokens stop working' }),
  },
  { description: 'An account as admins see it', examples: [{ ...meExample, disabled: false }] },
)

export const AdminUpdateBody = Type.Object(
  {
    role: Type.Optional(Type.Enum(['user', 'admin'])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ disabled: true }, { role: 'admin' }] },
)

export const ListUsersQuery = Type.Object(
  {
    limit: Type.Optional({ ...PageLimit, default: PAGE.defaultLimit, description: 'Page size' }),
    cursor: Type.Optional({ ...Uuid, description: 'The `next_cursor` of the previous page' }),
    role: Type.Optional(Type.Enum(['user', 'admin'])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const UserPageSchema = Type.Object(
  {
    users: Type.Array(AccountSchema),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page',
    }),
  },
  { examples: [{ users: [{ ...meExample, disabled: false }], next_cursor: null }] },
)

export function accountJson(user: User): Static<typeof AccountSchema> {
  return { ...meJson(user), disabled: user.disabled }
}
