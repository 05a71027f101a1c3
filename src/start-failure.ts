// Why a start failed, in one line an operator can act on, for the storage faults they cause themselves: a
// read-only or full DATA_DIR. Anything else is a bug and keeps its stack trace.

// node:fs error codes, and SQLite's primary result codes (READONLY, IOERR, FULL, CANTOPEN, PERM).
const NOT_WRITABLE = new Set(['EROFS', 'EACCES', 'EPERM', 8, 3])
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 13])
const UNUSABLE = new Set(['ENOTDIR', 'EISDIR', 'ENOENT', 'ELOOP', 'EIO', 10, 14])

interface Cause {
  message: string
  code?: unknown
  errcode?: unknown
  path?: unknown
  cause?: unknown
}

/** The first error along the `cause` chain with a storage code (migrations and adapters wrap theirs). */
function storageCause(error: unknown): { key: string | number; cause: Cause } | undefined {
  for (let e = error as Cause | undefined, depth = 0; e && depth < 10; e = e.cause as Cause, depth++) {
    const key = typeof e.errcode === 'number' ? e.errcode & 0xff : e.code
    if (typeof key === 'string' || typeof key === 'number') {
      if (NOT_WRITABLE.has(key) || NO_SPACE.has(key) || UNUSABLE.has(key)) return { key, cause: e }
    }
  }
  return undefined
}

/** A one-line message for a storage fault at start, or undefined for any other error. */
export function storageFailure(error: unknown, dataDir: string): string | undefined {
  const found = storageCause(error)
  if (!found) return undefined
  const { key, cause } = found
  const where =
    typeof cause.path === 'string' && cause.path !== dataDir
      ? `${cause.path} (DATA_DIR is ${dataDir})`
      : `DATA_DIR (${dataDir})`
  const problem = NOT_WRITABLE.has(key)
    ? 'is not writable'
    : NO_SPACE.has(key)
      ? 'has no space left'
      : 'cannot be used'
  const detail = cause.message.replaceAll(/\s+/g, ' ')
  return `Cannot start: ${where} ${problem}: ${detail}`
}
