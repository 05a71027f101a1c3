// A parser of the Prometheus text exposition format (0.0.4), strict enough to fail a test on a malformed
// line: families with their HELP and TYPE, and every sample with its labels.
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: string
  help: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text)
    if (!match?.[1]) throw new Error(`malformed labels in: ${line}`)
    labels[match[1]] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
  }
  return labels
}

// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes Nan).
function parseValue(text: string, line: string): number {
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY
  if (/^nan$/i.test(text)) return Number.NaN
  const value = Number(text)
  if (Number.isNaN(value)) throw new Error(`malformed value in: ${line}`)
  return value
}

// The family a sample belongs to: histograms and summaries add suffixes to their family's name.
function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  return (
    families.get(name) ??
    families.get(name.replace(/_(bucket|sum|count)$/, '')) ??
    families.get(name.replace(/_total$/, ''))
  )
}

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta) {
      const [, kind, name = '', rest = ''] = meta
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`)
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      if (kind === 'HELP') family.help = rest
      else if (['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) family.type = rest
      else throw new Error(`bad type: ${line}`)
      families.set(name, family)
      continue
    }
    if (line.startsWith('#')) continue
    const sample = SAMPLE.exec(line)
    if (!sample?.[1] || sample[3] === undefined) throw new Error(`malformed sample: ${line}`)
    const family = familyOf(families, sample[1])
    if (!family) throw new Error(`sample without a family: ${line}`)
    family.samples.push({
      name: sample[1],
      labels: parseLabels(sample[2] ?? '', line),
      value: parseValue(sample[3], line),
    })
  }
  return families
}

/** The value of the one sample named `name` whose labels include `labels` (0 when there is none). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = familyOf(families, name)
  const found = family?.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  return found?.value ?? 0
}
