// Signing keys: an Ed25519 key generated into the data directory on first start and kept there.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'

export const ALGORITHM = 'EdDSA'

export interface SigningKey {
  kid: string
  privateKey: CryptoKey
}

export interface KeyRing {
  /** The key new tokens are signed with. */
  signing: SigningKey
  /** Public keys that verify tokens, by `kid`. */
  verifying: ReadonlyMap<string, CryptoKey>
  /** The public keys as a JWK set, for `/.well-known/jwks.json`. */
  publicJwks: JWK[]
}

const KEY_FILE = 'signing-key.jwk.json'

async function generate(path: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(privateKey)
  jwk.kid = await calculateJwkThumbprint(jwk)
  jwk.alg = ALGORITHM
  jwk.use = 'sig'
  try {
    // `wx`: when two processes start at once, the first file written wins and both use it.
    await writeFile(path, `${JSON.stringify(jwk)}\n`, { flag: 'wx', mode: 0o600 })
    return jwk
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(await readFile(path, 'utf8'))
    throw error
  }
}

async function readOrGenerate(dataDir: string): Promise<JWK> {
  const dir = join(dataDir, 'keys')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, KEY_FILE)
  try {
    return JSON.parse(await readFile(path, 'utf8')) as JWK
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    return generate(path)
  }
}

function publicPart({ d: _, ...jwk }: JWK): JWK {
  return jwk
}

export async function loadKeyRing(dataDir: string): Promise<KeyRing> {
  const jwk = await readOrGenerate(dataDir)
  if (!jwk.kid || jwk.crv !== 'Ed25519' || !jwk.d)
    throw new Error(`${KEY_FILE} is not an Ed25519 private JWK`)
  const privateKey = (await importJWK(jwk, ALGORITHM)) as CryptoKey
  const publicJwk = publicPart(jwk)
  const publicKey = (await importJWK(publicJwk, ALGORITHM)) as CryptoKey
  return {
    signing: { kid: jwk.kid, privateKey },
    verifying: new Map([[jwk.kid, publicKey]]),
    publicJwks: [publicJwk],
  }
}
