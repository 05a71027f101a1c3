// Recognises a unique-constraint violation on either engine and names the column it concerns.

interface EngineError {
  code?: unknown
  errcode?: unknown
  message?: unknown
  detail?: unknown
}

const SQLITE_CONSTRAINT_UNIQUE = 2067
const PG_UNIQUE_VIOLATION = '23505'

/** The violated column, or undefined when the error is not a unique violation. */
export function uniqueViolation(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as EngineError
  if (e.errcode === SQLITE_CONSTRAINT_UNIQUE && typeof e.message === 'string') {
    // "UNIQUE constraint failed: users.username"
    return /UNIQUE constraint failed: \w+\.(\w+)/.exec(e.message)?.[1] ?? 'unknown'
  }
  if (e.code === PG_UNIQUE_VIOLATION) {
    // "Key (username)=(alice) already exists."
    return (typeof e.detail === 'string' && /^Key \((\w+)\)/.exec(e.detail)?.[1]) || 'unknown'
  }
  return undefined
}
