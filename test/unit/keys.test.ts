// Signing keys: generated on first start, rotated by adding a key, configurable for several instances.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addKeyFile, generateJwk, KeyError, loadKeyRing } from '../../src/auth/keys.ts'
import { InvalidTokenError, TokenService } from '../../src/auth/tokens.ts'

let dataDir: string
const settings = { issuer: 'trestle', audience: 'trestle-api', accessTokenTtl: 900 }
const user = { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', role: 'user' as const }

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trestle-keys-'))
})
afterEach(() => rm(dataDir, { recursive: true, force: true }))

describe('the key ring', () => {
  it('generates one private key file on first start, readable by its owner only, and reuses it', async () => {
    const first = await loadKeyRing(dataDir)
    const files = await readdir(join(dataDir, 'keys'))
    expect(files).toHaveLength(1)
    expect((await stat(join(dataDir, 'keys', files[0] ?? ''))).mode & 0o777).toBe(0o600)
    const second = await loadKeyRing(dataDir)
    expect(second.signing.kid).toBe(first.signing.kid)
    expect(first.publicJwks[0]).not.toHaveProperty('d')
  })

  it('after a rotation signs with the new key and still verifies tokens of the old one', async () => {
    const before = await loadKeyRing(dataDir)
    const oldToken = (await new TokenService(before, settings).issue(user, ['items:read'])).accessToken
    const { kid } = await addKeyFile(dataDir)
    const after = await loadKeyRing(dataDir)
    expect(after.signing.kid).toBe(kid)
    expect(after.publicJwks.map((k) => k.kid).sort()).toEqual([before.signing.kid, kid].sort())
    const service = new TokenService(after, settings)
    await expect(service.verify(oldToken)).resolves.toMatchObject({ id: user.id })
    // Once the old key file is removed, its tokens are refused.
    const retired = await loadKeyRing(dataDir, JSON.stringify({ keys: [await generateJwk()] }))
    await expect(new TokenService(retired, settings).verify(oldToken)).rejects.toThrow(InvalidTokenError)
  })

  it('takes JWT_PRIVATE_KEYS, the first key signing, all verifying, and writes no file', async () => {
    const [a, b] = [await generateJwk(), await generateJwk()]
    const ring = await loadKeyRing(dataDir, JSON.stringify({ keys: [a, b] }))
    expect(ring.signing.kid).toBe(a.kid)
    expect([...ring.verifying.keys()]).toEqual([a.kid, b.kid])
    expect(await readdir(join(dataDir, 'keys')).catch(() => [])).toEqual([])
  })

  it('refuses JWT_PRIVATE_KEYS that are not Ed25519 private keys', async () => {
    const { d: _, ...publicOnly } = await generateJwk()
    await expect(loadKeyRing(dataDir, 'not json')).rejects.toThrow(KeyError)
    await expect(loadKeyRing(dataDir, '{"keys": []}')).rejects.toThrow(KeyError)
    await expect(loadKeyRing(dataDir, JSON.stringify([publicOnly]))).rejects.toThrow(KeyError)
  })
})
