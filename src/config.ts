// One typed settings object (src/settings.ts), read from the environment (and `.env`) and validated once at
// start, with the lists some settings hold.
import { existsSync } from 'node:fs'
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { rulesAjv } from './domain/check.ts'
import { MIN_ROOM_HISTORY } from './domain/retention.ts'
import { type Settings, SettingsSchema } from './settings.ts'

const RATE_PROVIDER_KINDS = ['frankfurter', 'open-er-api', 'ecb']

// Variables whose empty value means "none" rather than "the default".
const EMPTY_MEANS_NONE = new Set(['RATE_PROVIDERS'])

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const BOOLEAN: Record<string, boolean> = { true: true, '1': true, false: false, '0': false }

// A boolean setting may be written true/false or 1/0, in any case.
function booleanOf(key: string, value: string): unknown {
  const schema = SettingsSchema.properties[key as keyof typeof SettingsSchema.properties]
  return (schema as { type?: unknown }).type === 'boolean' ? (BOOLEAN[value.toLowerCase()] ?? value) : value
}

/** Builds settings from an environment-like record; throws ConfigError naming every bad variable. */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  const input: Record<string, unknown> = {}
  for (const key of Object.keys(SettingsSchema.properties)) {
    const value = env[key]
    if (value !== undefined && (value !== '' || EMPTY_MEANS_NONE.has(key))) input[key] = booleanOf(key, value)
  }
  // Run once: ajv's passes over the generated code would cost more than they save (25 -> 11 ms of start-up).
  const ajv = rulesAjv({ allErrors: true, useDefaults: true, coerceTypes: true, code: { optimize: false } })
  const validate = ajv.compile(SettingsSchema)
  // ajv fills in the defaults and converts the text of numbers (and of booleans, as read above) in place.
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => {
      const name = e.instancePath.replace(/^\//, '') || 'settings'
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues
      const why = allowed ? `must be one of ${allowed.join(', ')}` : e.message
      return `${name}=${JSON.stringify(env[name] ?? '')}: ${why}`
    })
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`)
  }
  const settings = input as Settings
  const badProxy = trustedProxies(settings).find((entry) => !isAddressOrCidr(entry))
  if (badProxy !== undefined) {
    throw new ConfigError(
      `Invalid configuration: TRUST_PROXY=${JSON.stringify(env.TRUST_PROXY)}: "${badProxy}" is not an address or CIDR`,
    )
  }
  if (settings.ROOM_HISTORY_LIMIT > 0 && settings.ROOM_HISTORY_LIMIT < MIN_ROOM_HISTORY) {
    throw new ConfigError(
      `Invalid configuration: ROOM_HISTORY_LIMIT=${settings.ROOM_HISTORY_LIMIT}: must be 0 or at least ${MIN_ROOM_HISTORY}`,
    )
  }
  rateProviders(settings)
  // Node refuses a headers timeout longer than the request timeout.
  if (settings.REQUEST_TIMEOUT > 0 && settings.HEADERS_TIMEOUT > settings.REQUEST_TIMEOUT) {
    throw new ConfigError(
      `Invalid configuration: HEADERS_TIMEOUT=${settings.HEADERS_TIMEOUT}: must not exceed REQUEST_TIMEOUT (${settings.REQUEST_TIMEOUT})`,
    )
  }
  return { ...settings, DATA_DIR: resolve(settings.DATA_DIR) }
}

/**
 * RATE_PROVIDERS as a list of kinds and base URLs; a ConfigError for an unknown kind, a kind named twice, or
 * a URL that is not http(s) or carries credentials. Provider URLs come from here only, never from a request.
 */
export function rateProviders(settings: Pick<Settings, 'RATE_PROVIDERS'>): { kind: string; url: URL }[] {
  const bad = (why: string) =>
    new ConfigError(
      `Invalid configuration: RATE_PROVIDERS=${JSON.stringify(settings.RATE_PROVIDERS)}: ${why}`,
    )
  const specs = settings.RATE_PROVIDERS.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [kind = '', ...rest] = entry.split('=')
      const text = rest.join('=')
      if (!RATE_PROVIDER_KINDS.includes(kind)) {
        throw bad(`"${kind}" is not one of ${RATE_PROVIDER_KINDS.join(', ')} (write kind=base-url)`)
      }
      const url = URL.canParse(text) ? new URL(text) : undefined
      if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
        throw bad(`"${text}" is not an http(s) base URL without credentials, query or fragment`)
      }
      return { kind, url }
    })
  const kinds = specs.map((s) => s.kind)
  const twice = kinds.find((kind, i) => kinds.indexOf(kind) !== i)
  if (twice) throw bad(`${twice} is named twice`)
  return specs
}

/** TRUST_PROXY as a list; hop counts are not accepted, as they let clients spoof their address. */
export function trustedProxies(settings: Pick<Settings, 'TRUST_PROXY'>): string[] {
  return settings.TRUST_PROXY.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (prefix === undefined) return true
  const bits = Number(prefix)
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128)
}

/** Reads `.env` (when present, without overriding the real environment) and the environment. */
export function loadSettings(envFile = '.env'): Settings {
  if (existsSync(envFile)) process.loadEnvFile(envFile)
  return parseSettings(process.env)
}
