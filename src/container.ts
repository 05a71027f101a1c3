// Wires adapters into domain services once per process (or per test): the dependencies every transport uses.
import { type DatabaseHandle, openDatabase } from './adapters/db/database.ts'
import { SqlItemRepository } from './adapters/db/item-repository.ts'
import { migrateToLatest } from './adapters/db/migrate.ts'
import { SqlUserRepository } from './adapters/db/user-repository.ts'
import { Argon2Hasher } from './adapters/password/argon2.ts'
import { loadKeyRing } from './auth/keys.ts'
import { PasswordGrant } from './auth/password-grant.ts'
import { TokenService } from './auth/tokens.ts'
import type { Settings } from './config.ts'
import { ItemService } from './domain/items.ts'
import { UserService } from './domain/users.ts'

export interface Container {
  database: DatabaseHandle
  users: UserService
  items: ItemService
  tokens: TokenService
  passwordGrant: PasswordGrant
  close(): Promise<void>
}

export async function createContainer(settings: Settings): Promise<Container> {
  const database = openDatabase({
    url: settings.DATABASE_URL,
    dataDir: settings.DATA_DIR,
    poolSize: settings.DATABASE_POOL_SIZE,
  })
  try {
    await migrateToLatest(database.db)
    const keys = await loadKeyRing(settings.DATA_DIR)
    const tokens = new TokenService(keys, {
      issuer: settings.JWT_ISSUER,
      audience: settings.JWT_AUDIENCE,
      accessTokenTtl: settings.ACCESS_TOKEN_TTL,
    })
    const users = new UserService({
      users: new SqlUserRepository(database.db),
      hasher: new Argon2Hasher(),
      allowSignup: settings.ALLOW_SIGNUP,
    })
    return {
      database,
      users,
      items: new ItemService({ items: new SqlItemRepository(database.db) }),
      tokens,
      passwordGrant: new PasswordGrant(users, tokens),
      close: () => database.close(),
    }
  } catch (error) {
    await database.close()
    throw error
  }
}
