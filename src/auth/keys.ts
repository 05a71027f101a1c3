// Signing keys. The embedded default generates an Ed25519 key into DATA_DIR/keys on first start; at scale,
// JWT_PRIVATE_KEYS carries the keys. Several keys may be present: the newest signs, all of them verify, so
// that tokens signed before a rotation stay valid until they expire.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
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

export class KeyError extends Error {
  override name = 'KeyError'
}

const KEY_FILE = /^key-.*\.jwk\.json$/

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys')
}

/** A new Ed25519 private JWK with its thumbprint as `kid`. */
export async function generateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(privateKey)
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: 'sig' }
}

/** Writes a new key file; being the newest, it signs from the next start on. */
export async function addKeyFile(dataDir: string): Promise<{ kid: string; path: string }> {
  const dir = keysDir(dataDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const jwk = await generateJwk()
  // The time in the name orders the keys; `wx` never overwrites one.
  const path = join(
    dir,
    `key-${new Date().toISOString().replace(/[:.]/g, '-')}-${jwk.kid?.slice(0, 8)}.jwk.json`,
  )
  await writeFile(path, `${JSON.stringify(jwk)}\n`, { flag: 'wx', mode: 0o600 })
  return { kid: jwk.kid ?? '', path }
}

async function readKeyFiles(dataDir: string): Promise<JWK[]> {
  const dir = keysDir(dataDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const names = (await readdir(dir)).filter((n) => KEY_FILE.test(n)).sort()
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as JWK))
}

/** Parses JWT_PRIVATE_KEYS: a JWK set `{"keys": [...]}` or an array of JWKs, newest first. */
export function parseConfiguredKeys(text: string): JWK[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new KeyError('JWT_PRIVATE_KEYS is not JSON')
  }
  const keys = Array.isArray(value) ? value : (value as { keys?: unknown })?.keys
  if (!Array.isArray(keys) || keys.length === 0) throw new KeyError('JWT_PRIVATE_KEYS holds no keys')
  return keys as JWK[]
}

async function importKey(jwk: JWK) {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d)
    throw new KeyError('a signing key is not an Ed25519 private JWK')
  const { d: _, key_ops: __, ...publicJwk } = jwk
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk))
  const shared = { ...publicJwk, kid, alg: ALGORITHM, use: 'sig' }
  return {
    kid,
    privateKey: (await importJWK({ ...jwk, kid }, ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(shared, ALGORITHM)) as CryptoKey,
    publicJwk: shared as JWK,
  }
}

/**
 * Loads the key ring: from `configured` (JWT_PRIVATE_KEYS, first key signs) when given, otherwise from the
 * key files in DATA_DIR/keys (the newest signs), generating the first one when there is none.
 */
export async function loadKeyRing(dataDir: string, configured = ''): Promise<KeyRing> {
  let jwks: JWK[]
  if (configured.trim() !== '') {
    jwks = parseConfiguredKeys(configured)
  } else {
    jwks = (await readKeyFiles(dataDir)).reverse()
    if (jwks.length === 0) {
      await addKeyFile(dataDir)
      // Read back rather than use what we wrote: another process may have written its own at the same time.
      jwks = (await readKeyFiles(dataDir)).reverse()
    }
  }
  const keys = await Promise.all(jwks.map(importKey))
  const [signing] = keys
  if (!signing) throw new KeyError('no signing key')
  return {
    signing: { kid: signing.kid, privateKey: signing.privateKey },
    verifying: new Map(keys.map((k) => [k.kid, k.publicKey])),
    publicJwks: keys.map((k) => k.publicJwk),
  }
}
