import { defineConfig } from 'vitest/config'

// Two runs of the suite: everything on SQLite, and the database-backed suites again on a
// throwaway PostgreSQL server that test/setup/postgres-global.ts starts for the run.
// Inline projects inherit the options below (Vitest 5: `extends` defaults to true).
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          provide: { databaseKind: 'sqlite' },
        },
      },
      {
        test: {
          name: 'postgres',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          provide: { databaseKind: 'postgres' },
          globalSetup: ['test/setup/postgres-global.ts'],
        },
      },
    ],
  },
})
