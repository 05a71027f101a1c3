import { defineConfig } from 'vitest/config'

// Two runs of the suite, one per way Trestle runs: `sqlite` is the embedded set-up (SQLite, in-process
// limiter); `postgres` is the scaled-out one, on a throwaway PostgreSQL and redis-server that the global
// setups start for the run. Suites that need Redis itself live in test/redis and run only there. Fault
// suites (test/faults) run apart, in `npm run test:faults`.
// Inline projects inherit the options below (Vitest 5: `extends` defaults to true).
export default defineConfig({
  resolve: {
    // graphql ships CommonJS (which Node and mercurius load) and an ES build (which Vite would prefer):
    // two copies would not recognise each other's schema objects, so tests load the one Node loads.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
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
          // Redis-only suites need the server that the postgres project starts; fault suites are a run of
          // their own (vitest.faults.config.ts, `npm run test:faults`).
          exclude: ['test/redis/**', 'test/faults/**'],
          provide: { databaseKind: 'sqlite' },
        },
      },
      {
        test: {
          name: 'postgres',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/redis/**/*.test.ts'],
          // The pages in a browser do not depend on the database: the sqlite project covers them.
          exclude: ['test/e2e/browser.test.ts'],
          provide: { databaseKind: 'postgres' },
          globalSetup: ['test/setup/postgres-global.ts', 'test/setup/redis-global.ts'],
        },
      },
    ],
  },
})
