// Counters and histograms whose labelled series are plain records, looked up once and kept by the caller.
// prom-client's own `labels(...).observe()` hashes the label object on every call (about 300 ns and some
// garbage, measured with prom-client 15); on the request path that is too much. prom-client still names,
// registers and formats them: only how values are held differs.
import { Counter, type CounterConfiguration, Histogram, type HistogramConfiguration } from 'prom-client'

type Labels<T extends string> = Record<T, string>

export interface CounterSeries {
  value: number
}

export interface HistogramSeries {
  observe(value: number): void
}

const key = (values: readonly string[]) => values.join('\u0000')

type Value = { labels: Record<string, string | number>; value: number; metricName?: string }

// What the registry reads of a metric; prom-client's typings describe more than it uses.
function exported<R>(config: { name: string; help: string }, type: string, values: Value[]): R {
  return { name: config.name, help: config.help, type, aggregator: 'sum', values } as R
}

function labelsOf<T extends string>(names: readonly T[], values: readonly string[]): Labels<T> {
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? ''])) as Labels<T>
}

export class SeriesCounter<T extends string> extends Counter<T> {
  readonly #series = new Map<string, { labels: Labels<T>; value: number }>()
  readonly #names: readonly T[]
  readonly #config: CounterConfiguration<T>

  constructor(config: CounterConfiguration<T> & { labelNames: readonly T[] }) {
    super(config)
    this.#names = config.labelNames
    this.#config = config
  }

  /** The series of these label values (in `labelNames` order); add to its `value`. */
  series(...values: string[]): CounterSeries {
    const id = key(values)
    let found = this.#series.get(id)
    if (!found) {
      found = { labels: labelsOf(this.#names, values), value: 0 }
      this.#series.set(id, found)
    }
    return found
  }

  override async get(): ReturnType<Counter<T>['get']> {
    const values = [...this.#series.values()].map(({ labels, value }) => ({ labels, value }))
    return exported(this.#config, 'counter', values)
  }
}

class Buckets implements HistogramSeries {
  readonly labels: Record<string, string>
  readonly counts: Float64Array
  readonly #bounds: readonly number[]
  sum = 0
  count = 0

  constructor(labels: Record<string, string>, bounds: readonly number[]) {
    this.labels = labels
    this.#bounds = bounds
    this.counts = new Float64Array(bounds.length)
  }

  observe(value: number): void {
    const bounds = this.#bounds
    let i = 0
    while (i < bounds.length && value > (bounds[i] as number)) i++
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1
    this.sum += value
    this.count += 1
  }
}

export class SeriesHistogram<T extends string> extends Histogram<T> {
  readonly #series = new Map<string, Buckets>()
  readonly #names: readonly T[]
  readonly #bounds: readonly number[]
  readonly #config: HistogramConfiguration<T>

  constructor(config: HistogramConfiguration<T> & { labelNames: readonly T[]; buckets: number[] }) {
    super(config)
    this.#config = config
    this.#names = config.labelNames
    this.#bounds = [...config.buckets].sort((a, b) => a - b)
  }

  /** The series of these label values (in `labelNames` order); call its `observe`. */
  series(...values: string[]): HistogramSeries {
    const id = key(values)
    let found = this.#series.get(id)
    if (!found) {
      found = new Buckets(labelsOf(this.#names, values), this.#bounds)
      this.#series.set(id, found)
    }
    return found
  }

  override async get(): ReturnType<Histogram<T>['get']> {
    const { name } = this.#config
    const values: Value[] = []
    for (const series of this.#series.values()) {
      let cumulative = 0
      this.#bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number
        values.push({ labels: { ...series.labels, le }, value: cumulative, metricName: `${name}_bucket` })
      })
      values.push(
        { labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${name}_bucket` },
        { labels: series.labels, value: series.sum, metricName: `${name}_sum` },
        { labels: series.labels, value: series.count, metricName: `${name}_count` },
      )
    }
    return exported(this.#config, 'histogram', values)
  }

  // The registry prefers this one when formatting text.
  async getForPromString() {
    return this.get()
  }
}
