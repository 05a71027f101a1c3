// Search text: one normalisation for what is stored and what is asked, so search is the same on every database.

/** Lower-cased, compatibility-normalised text for case-insensitive search, the same on every database. */
export function searchable(...parts: (string | null | undefined)[]): string {
  return parts
    .filter((p): p is string => typeof p === 'string')
    .join('\n')
    .normalize('NFKC')
    .toLowerCase()
}
