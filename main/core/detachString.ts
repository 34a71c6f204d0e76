/**
 * Strings cut out of a JSON text by a parser are V8 "sliced strings" that keep the whole text
 * alive; anything kept for long (the ledger's strings, the replay memory's signatures) is copied
 * first.
 */
const isWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed

/** A fresh, flat copy of `s` that references no larger parent string. */
export function detachString(s: string): string {
  if (s.length === 0) return ''
  // UTF-8 round trip is the fastest copy but would replace lone surrogates; JSON keeps them.
  if (isWellFormed && isWellFormed.call(s)) return Buffer.from(s, 'utf8').toString('utf8')
  return JSON.parse(JSON.stringify(s)) as string
}
