// Exchange rates and converted prices on the wire (REST bodies): snake_case, every rate and converted amount as
// exact decimal text, never a float that could print 0.30000000000000004.
import { decimalText } from '../../domain/decimal.ts'
import type { ProviderReport } from '../../domain/rate-table.ts'
import type { Conversion, Rates } from '../../domain/rates.ts'

export interface ConversionView {
  currency: string
  amount: string
  rate: string
  as_of: string | null
  stale: boolean
}

export function conversionView(conversion: Conversion): ConversionView {
  return {
    currency: conversion.currency,
    amount: conversion.amount,
    rate: conversion.rate,
    as_of: conversion.asOf,
    stale: conversion.stale,
  }
}

export interface RatesView {
  base: string
  as_of: string
  fetched_at: string
  age_seconds: number
  stale: boolean
  rates: Record<string, string>
  providers: ProviderReport[]
}

export function ratesView(rates: Rates): RatesView {
  return {
    base: rates.base,
    as_of: rates.asOf,
    fetched_at: new Date(rates.fetchedAt).toISOString(),
    age_seconds: rates.ageSeconds,
    stale: rates.stale,
    rates: Object.fromEntries([...rates.rates].map(([currency, rate]) => [currency, decimalText(rate)])),
    providers: rates.providers.map((p) => ({
      name: p.name,
      status: p.status,
      ...(p.date && { date: p.date }),
    })),
  }
}
