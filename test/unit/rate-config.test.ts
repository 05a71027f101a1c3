// RATE_PROVIDERS: the public services by default, none when empty, and a start refused naming the variable
// for anything that is not a known kind with an http(s) base URL.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseSettings, rateProviders } from '../../src/config.ts'

const providers = (value: string | undefined) =>
  rateProviders(parseSettings({ RATE_PROVIDERS: value })).map((p) => `${p.kind}=${p.url.href}`)

describe('RATE_PROVIDERS', () => {
  it.each([
    ['an unknown kind', 'fixer=https://data.fixer.io', /"fixer" is not one of frankfurter, open-er-api, ecb/],
    ['no kind', 'https://api.frankfurter.app', /is not one of/],
    ['not a URL', 'ecb=eurofxref', /is not an http\(s\) base URL/],
    ['another scheme', 'ecb=file:///etc/passwd', /is not an http\(s\) base URL/],
    ['credentials', 'frankfurter=https://user:secret@api.frankfurter.app', /without credentials/],
    ['a query', 'frankfurter=https://api.frankfurter.app/?from=EUR', /without credentials, query/],
    ['a kind twice', 'ecb=https://a.example,ecb=https://b.example', /ecb is named twice/],
  ])('refuses %s, naming the variable', (_what, value, reason) => {
    expect(() => parseSettings({ RATE_PROVIDERS: value })).toThrow(ConfigError)
    expect(() => parseSettings({ RATE_PROVIDERS: value })).toThrow(/^Invalid configuration: RATE_PROVIDERS=/)
    expect(() => parseSettings({ RATE_PROVIDERS: value })).toThrow(reason)
  })

  it('defaults to the three public services', () => {
    expect(providers(undefined)).toEqual([
      'frankfurter=https://api.frankfurter.app/',
      'open-er-api=https://open.er-api.com/',
      'ecb=https://www.ecb.europa.eu/stats/eurofxref',
    ])
  })

  it('empty means none, not the default', () => {
    expect(providers('')).toEqual([])
  })

  it('reads a list with spaces and base URLs with paths', () => {
    expect(
      providers(' ecb=http://127.0.0.1:8080/stats/eurofxref/ , frankfurter=http://127.0.0.1:8081'),
    ).toEqual(['ecb=http://127.0.0.1:8080/stats/eurofxref/', 'frankfurter=http://127.0.0.1:8081/'])
  })

  it('has the documented cache and timeout defaults', () => {
    expect(parseSettings({})).toMatchObject({
      RATES_TTL: 3600,
      RATES_MAX_STALE: 172_800,
      RATES_TIMEOUT: 3000,
      RATES_RETRIES: 2,
      RATES_BREAKER_FAILURES: 5,
      RATES_BREAKER_COOLDOWN: 30,
      RATES_MAX_CONNECTIONS: 4,
    })
  })
})
