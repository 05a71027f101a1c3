// Ids are UUIDs (v7, so they sort by creation). Callers may write them in either case.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The canonical (lower-case) form of an id, or undefined when the text is not a UUID. */
export function normaliseId(id: string): string | undefined {
  return UUID.test(id) ? id.toLowerCase() : undefined
}

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
