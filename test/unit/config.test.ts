// Settings: defaults, conversion, and a message naming each bad variable.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseSettings } from '../../src/config.ts'

describe('settings', () => {
  it('has the documented defaults', () => {
    const s = parseSettings({})
    expect(s).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 8000,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      ALLOW_SIGNUP: true,
      ACCESS_TOKEN_TTL: 900,
    })
    expect(s.DATA_DIR).toMatch(/\/data$/)
  })

  it('times out slow clients and sheds load by default; /metrics is off', () => {
    expect(parseSettings({})).toMatchObject({
      HEADERS_TIMEOUT: 10_000,
      KEEP_ALIVE_TIMEOUT: 72_000,
      MAX_CONNECTIONS: 20_000,
      SHED_EVENT_LOOP_DELAY: 1000,
      SHED_HEAP_RATIO: 0.9,
      METRICS_TOKEN: '',
    })
  })

  it('refuses a short METRICS_TOKEN and a headers timeout past the request timeout', () => {
    expect(() => parseSettings({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/)
    expect(() => parseSettings({ HEADERS_TIMEOUT: '20000', REQUEST_TIMEOUT: '10000' })).toThrow(
      /HEADERS_TIMEOUT=20000/,
    )
    expect(parseSettings({ HEADERS_TIMEOUT: '20000', REQUEST_TIMEOUT: '0' }).HEADERS_TIMEOUT).toBe(20_000)
  })

  it('converts numbers and booleans from the environment', () => {
    const s = parseSettings({ PORT: '3000', ALLOW_SIGNUP: 'false', ACCESS_TOKEN_TTL: '60' })
    expect(s).toMatchObject({ PORT: 3000, ALLOW_SIGNUP: false, ACCESS_TOKEN_TTL: 60 })
    expect(
      parseSettings({ ALLOW_SIGNUP: '0', GRAPHQL_BATCHING: 'TRUE', RATE_LIMIT_ENABLED: 'False' }),
    ).toMatchObject({ ALLOW_SIGNUP: false, GRAPHQL_BATCHING: true, RATE_LIMIT_ENABLED: false })
    expect(parseSettings({ GRAPHQL_BATCHING: '1' }).GRAPHQL_BATCHING).toBe(true)
  })

  it('refuses a fraction where a whole number is meant, rather than cutting it', () => {
    expect(() => parseSettings({ PORT: '3000.5' })).toThrow(/PORT="3000.5": must be integer/)
    expect(() => parseSettings({ ACCESS_TOKEN_TTL: '1e-1' })).toThrow(/ACCESS_TOKEN_TTL/)
  })

  it('names the values a setting may take', () => {
    expect(() => parseSettings({ LOG_LEVEL: 'loud' })).toThrow(
      /LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent/,
    )
  })

  it('names every bad variable', () => {
    expect(() => parseSettings({ PORT: 'abc', ALLOW_SIGNUP: 'yes', LOG_LEVEL: 'loud' })).toThrow(ConfigError)
    try {
      parseSettings({ PORT: 'abc', ALLOW_SIGNUP: 'yes', LOG_LEVEL: 'loud' })
    } catch (error) {
      const message = (error as Error).message
      expect(message).toContain('PORT="abc"')
      expect(message).toContain('ALLOW_SIGNUP="yes"')
      expect(message).toContain('LOG_LEVEL="loud"')
    }
  })

  it('accepts PostgreSQL and SQLite URLs only', () => {
    expect(parseSettings({ DATABASE_URL: 'postgres://u@h/db' }).DATABASE_URL).toBe('postgres://u@h/db')
    expect(() => parseSettings({ DATABASE_URL: 'mysql://u@h/db' })).toThrow(/DATABASE_URL/)
  })
})
