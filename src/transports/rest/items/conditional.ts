// Entity tags for items (RFC 9110 §8.8.3, §13): the ETag is the item's version.

export function etagOf(item: { version: number }): string {
  return `"${item.version}"`
}

function tags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
}

/** If-None-Match uses weak comparison: `W/"3"` matches version 3. */
export function noneMatch(header: string | undefined, item: { version: number }): boolean {
  if (header === undefined) return true
  const current = etagOf(item)
  return !tags(header).some((t) => t === '*' || t.replace(/^W\//, '') === current)
}

/**
 * The versions an If-Match header accepts: undefined when any version will do (no header, or `*`).
 * Strong comparison: weak or unknown tags match nothing, so a write with only those fails with 412.
 */
export function ifMatchVersions(header: string | undefined): number[] | undefined {
  if (header === undefined) return undefined
  const list = tags(header)
  if (list.includes('*')) return undefined
  return list.flatMap((t) => {
    const match = /^"(\d{1,9})"$/.exec(t)
    return match ? [Number(match[1])] : []
  })
}
