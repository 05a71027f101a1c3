// Entity tags for items (RFC 9110 §8.8.3, §13): the ETag is the item's version. A converted representation
// (`?currency=`) changes with the rate too, so its tag names the rate and its date as well; such a tag names no
// version of its own, and If-Match on a write needs the plain one.

export function etagOf(
  item: { version: number },
  conversion?: { currency: string; rate: string; asOf: string | null; stale: boolean },
): string {
  if (!conversion) return `"${item.version}"`
  const { currency, rate, asOf, stale } = conversion
  return `"${item.version}-${currency}-${rate}-${asOf ?? ''}${stale ? '-stale' : ''}"`
}

function tags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
}

/** If-None-Match uses weak comparison: `W/"3"` matches `"3"`. */
export function noneMatch(header: string | undefined, current: string): boolean {
  if (header === undefined) return true
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
