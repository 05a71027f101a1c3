// Types for the values the Vitest config and global setup hand to tests through `inject()`.
export {}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Which database the current project runs against. */
    databaseKind: 'sqlite' | 'postgres'
    /** Admin URL of the throwaway PostgreSQL server (postgres project only). */
    postgresUrl?: string
    /** URL of the throwaway redis-server (postgres project only: the scaled-out set-up). */
    redisUrl?: string
  }
}
