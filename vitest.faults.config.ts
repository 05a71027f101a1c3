import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

// `npm run test:faults`: servers stopped, hung, killed and starved on purpose. Each file starts the processes
// it breaks; files run one at a time, so one file's hung server or busy CPU never skews another's deadlines.
export default defineConfig({
  resolve: base.resolve,
  test: {
    name: 'faults',
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // Files that build an app in-process get a SQLite database of their own (test/support/database.ts).
    provide: { databaseKind: 'sqlite' },
  },
})
