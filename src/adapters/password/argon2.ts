// argon2id at OWASP's recommended parameters (m=19 MiB, t=2, p=1).
import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2'
import type { PasswordHasher } from '../../domain/users.ts'

const ARGON2ID = 2 as Algorithm // Algorithm is a const enum, which isolated modules cannot read.

export interface Argon2Params {
  memoryCost: number
  timeCost: number
  parallelism: number
}

export const OWASP_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

export class Argon2Hasher implements PasswordHasher {
  readonly #options: Argon2Params

  constructor(options: Argon2Params = OWASP_ARGON2) {
    this.#options = options
  }

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID, ...this.#options })
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password)
    } catch {
      return false // an unreadable hash matches no password
    }
  }

  /** True when a stored hash was made with weaker or other parameters than the current ones. */
  needsRehash(hashed: string): boolean {
    try {
      const used = parseOptions(hashed)
      return (
        used.algorithm !== ARGON2ID ||
        used.memoryCost !== this.#options.memoryCost ||
        used.timeCost !== this.#options.timeCost ||
        used.parallelism !== this.#options.parallelism
      )
    } catch {
      return true
    }
  }
}
