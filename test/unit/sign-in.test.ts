// Signing in reveals nothing: unknown users cost the same hashing work as wrong passwords.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/adapters/db/database.ts'
import { migrateToLatest } from '../../src/adapters/db/migrate.ts'
import { SqlUserRepository } from '../../src/adapters/db/user-repository.ts'
import { Argon2Hasher } from '../../src/adapters/password/argon2.ts'
import { UserService } from '../../src/domain/users.ts'

class CountingHasher extends Argon2Hasher {
  verifications = 0
  override verify(hash: string, password: string) {
    this.verifications += 1
    return super.verify(hash, password)
  }
}

const database = openDatabase({ url: 'sqlite://:memory:', dataDir: '', poolSize: 1 })
const hasher = new CountingHasher()
const users = new UserService({
  users: new SqlUserRepository(database.db),
  hasher,
  allowSignup: true,
  sessions: { endAll: async () => {} },
})

beforeAll(async () => {
  await migrateToLatest(database.db)
  await users.signUp(null, {
    username: 'alice',
    email: 'alice@example.com',
    password: 'correct horse battery',
  })
})
afterAll(() => database.close())

async function verificationsFor(username: string, password: string) {
  const before = hasher.verifications
  const user = await users.checkPassword(username, password)
  return { user, verifications: hasher.verifications - before }
}

describe('UserService.authenticate', () => {
  it('finds the user with the right password', async () => {
    const { user } = await verificationsFor('ALICE', 'correct horse battery')
    expect(user?.username).toBe('alice')
  })

  it('does one argon2 verification for a wrong password and for an unknown user alike', async () => {
    const wrong = await verificationsFor('alice', 'wrong password')
    const unknown = await verificationsFor('nobody', 'wrong password')
    expect(wrong).toEqual({ user: null, verifications: 1 })
    expect(unknown).toEqual({ user: null, verifications: 1 })
  })
})

describe('outdated hashes', () => {
  it('are re-hashed with the current parameters on a successful sign-in', async () => {
    const weak = new Argon2Hasher({ memoryCost: 4096, timeCost: 1, parallelism: 1 })
    const user = await users.signUp(null, {
      username: 'old',
      email: 'old@example.com',
      password: 'an old password',
    })
    await database.db
      .updateTable('users')
      .set({ password_hash: await weak.hash('an old password') })
      .where('id', '=', user.id)
      .execute()
    expect(await users.checkPassword('old', 'wrong password')).toBeNull()
    const stillWeak = await database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow()
    expect(stillWeak.password_hash).toMatch(/m=4096,t=1/)
    expect((await users.checkPassword('old', 'an old password'))?.id).toBe(user.id)
    const row = await database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow()
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect((await users.checkPassword('old', 'an old password'))?.id).toBe(user.id)
  })
})
