// How hard the generated-input suites push: FC_NUM_RUNS runs per operation (100 by default), and FC_SEED to
// replay a failure with the seed fast-check printed (random by default).
import fc from 'fast-check'

export const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 100)
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)
fc.configureGlobal({ numRuns: NUM_RUNS, ...(seed !== undefined && { seed }) })
