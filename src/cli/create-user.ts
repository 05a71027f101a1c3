// `npm run user:create -- --username NAME --email EMAIL [--full-name NAME] [--admin]`
// Creates an account, an admin with --admin: the way the first admin comes to exist (there are no default
// credentials). The password is read from standard input, or asked for at a prompt without echo: never
// from an argument, which would land in the shell's history and the process list.
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { openDatabase } from '../adapters/db/database.ts'
import { migrateDatabase } from '../adapters/db/migrate.ts'
import { SqlUserRepository } from '../adapters/db/user-repository.ts'
import { Argon2Hasher } from '../adapters/password/argon2.ts'
import { ConfigError, loadSettings } from '../config.ts'
import { DomainError, InvalidInputError } from '../domain/errors.ts'
import { UserService } from '../domain/users.ts'

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = ''
    for await (const chunk of process.stdin) text += chunk
    return text.replace(/\r?\n$/, '')
  }
  // A prompt that echoes nothing the user types.
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  const output = rl as unknown as { _writeToOutput(text: string): void }
  let prompted = false
  output._writeToOutput = (text: string) => {
    if (!prompted) {
      process.stdout.write(text)
      prompted = true
    }
  }
  const password = await new Promise<string>((resolve) => rl.question('Password: ', resolve))
  rl.close()
  process.stdout.write('\n')
  return password
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      'full-name': { type: 'string' },
      admin: { type: 'boolean', default: false },
    },
  })
  if (!values.username || !values.email) {
    console.error('usage: npm run user:create -- --username NAME --email EMAIL [--full-name NAME] [--admin]')
    console.error('The password is read from standard input or asked for.')
    return 2
  }
  const settings = loadSettings()
  const password = await readPassword()
  // The database alone: creating an account needs no Redis, keys or bus.
  const options = { url: settings.DATABASE_URL, dataDir: settings.DATA_DIR, poolSize: 1 }
  const database = openDatabase(options)
  try {
    await migrateDatabase(database, options)
    const users = new UserService({
      users: new SqlUserRepository(database.db),
      hasher: new Argon2Hasher(),
      allowSignup: true,
      // A new account has no sessions to end.
      sessions: { endAll: async () => {} },
    })
    const user = await users.create(
      { username: values.username, email: values.email, password, fullName: values['full-name'] ?? null },
      values.admin ? 'admin' : 'user',
    )
    console.log(`Created ${user.role} ${user.username} (${user.id}).`)
    return 0
  } finally {
    await database.close()
  }
}

try {
  process.exitCode = await main()
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message)
  else if (error instanceof InvalidInputError) console.error(`${error.pointer.slice(1)} ${error.message}`)
  else if (error instanceof DomainError) console.error(error.message)
  else console.error(error)
  process.exitCode = 1
}
