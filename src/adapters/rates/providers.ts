// The configured providers (RATE_PROVIDERS), each in its format behind its own breaker, sharing one HTTP
// client whose pools are per origin.
import type { RateProvider } from '../../domain/rates.ts'
import type { OutageLog } from '../outage.ts'
import { ecb } from './ecb.ts'
import type { RateFormat } from './format.ts'
import { frankfurter } from './frankfurter.ts'
import type { RatesHttp } from './http.ts'
import { openErApi } from './open-er-api.ts'
import { type ResilienceOptions, ResilientProvider } from './resilient.ts'

export const FORMATS: Record<string, RateFormat> = {
  frankfurter,
  'open-er-api': openErApi,
  ecb,
}

export interface ProviderSpec {
  kind: string
  url: URL
}

export function createProviders(
  specs: readonly ProviderSpec[],
  options: { http: RatesHttp; resilience: ResilienceOptions; log: OutageLog; now?: () => number },
): RateProvider[] {
  return specs.map(({ kind, url }) => {
    const format = FORMATS[kind]
    if (!format) throw new Error(`unknown rate provider kind ${kind}`)
    return new ResilientProvider({ name: kind, format, baseUrl: url, ...options })
  })
}
