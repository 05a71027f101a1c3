// The European Central Bank's daily reference rates: GET eurofxref-daily.xml, one day of rates per EUR in a
// fixed XML format (a gesmes:Envelope with <Cube time='…'> holding <Cube currency='…' rate='…'/>). They are
// rebased to USD here: USD -> X = (EUR -> X) ÷ (EUR -> USD), to RATE_DIGITS digits.
//
// The format is fixed and small, so a strict reader of its own replaces an XML library: it accepts only that
// shape (one day, every Cube accounted for) and TypeBox validates what it read.
import { Type } from 'typebox'
import { type Decimal, divide, ONE, parseDecimal } from '../../domain/decimal.ts'
import { DATE_PATTERN, InvalidQuote, quoteOf, type RateFormat, under, validated } from './format.ts'

const Day = Type.Object({
  time: Type.String({ pattern: DATE_PATTERN }),
  rates: Type.Array(
    Type.Object({
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
      // A positive decimal, as the ECB writes it: "1.0823", "162.47".
      rate: Type.String({ pattern: '^(?:0|[1-9]\\d{0,8})(?:\\.\\d{1,10})?$' }),
    }),
    { minItems: 1, maxItems: 500 },
  ),
})

const ENVELOPE = /^(?:<\?xml[^>]*\?>\s*)?<gesmes:Envelope\b[^>]*>[\s\S]*<\/gesmes:Envelope>$/
const DAY = /<Cube\s+time=(['"])([^'"<>]*)\1\s*>/g
const RATE = /<Cube\s+currency=(['"])([^'"<>]*)\1\s+rate=(['"])([^'"<>]*)\3\s*\/>/g

/** The day and rates of the daily file, as strings; InvalidQuote for anything but that shape. */
export function readDaily(xml: string): unknown {
  const text = xml.replace(/^\uFEFF/, '').trim()
  if (!ENVELOPE.test(text)) throw new InvalidQuote('the body is not a gesmes:Envelope document')
  const days = [...text.matchAll(DAY)]
  if (days.length !== 1) throw new InvalidQuote(`expected one day of rates, found ${days.length}`)
  const rates = [...text.matchAll(RATE)].map((m) => ({ currency: m[2], rate: m[4] }))
  // Every Cube is the outer one, the day, or a rate: one we could not read is a damaged file.
  const cubes = text.match(/<Cube\b/g)?.length ?? 0
  if (cubes !== rates.length + 2) throw new InvalidQuote('a Cube element is not in the expected form')
  return { time: days[0]?.[2], rates }
}

export const ecb: RateFormat = {
  kind: 'ecb',
  accept: 'application/xml, text/xml',
  url: (base) => under(base, '/eurofxref-daily.xml'),
  parse(body) {
    const day = validated(Day, readDaily(body))
    const perEuro = new Map<string, Decimal>()
    for (const { currency, rate } of day.rates) {
      const value = parseDecimal(rate)
      if (!value || value.units === 0n) throw new InvalidQuote(`/rates/${currency} is not a positive decimal`)
      if (perEuro.has(currency)) throw new InvalidQuote(`/rates/${currency} appears twice`)
      perEuro.set(currency, value)
    }
    const dollar = perEuro.get('USD')
    if (!dollar) throw new InvalidQuote('no USD rate: the euro rates cannot be read per dollar')
    const perDollar: [string, Decimal][] = [['EUR', divide(ONE, dollar)]]
    for (const [currency, rate] of perEuro)
      if (currency !== 'USD') perDollar.push([currency, divide(rate, dollar)])
    return quoteOf(day.time, perDollar)
  },
}
