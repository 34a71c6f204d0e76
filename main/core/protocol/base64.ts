/**
 * Canonical standard Base64 (padded; the unused bits before the padding zero): the one spelling
 * Go's encoder produces for given bytes. Read in one pass into a caller's buffer, so the hot
 * paths (every received signature and key, every stored signature) make no strings or views.
 * Pure; Node-free.
 */

/** Alphabet → 6-bit value; 0x40 marks every other ASCII code unit ('=' included). */
const SEXTETS = (() => {
  const t = new Uint8Array(128).fill(0x40)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i
  return t
})()

const sextet = (c: number): number => (c < 128 ? SEXTETS[c]! : 0x40)

/** The byte length `text` decodes to when its length and padding have the canonical shape, else -1. */
export function canonicalBase64Length(text: string): number {
  const len = text.length
  if (len % 4 !== 0) return -1
  if (len === 0) return 0
  const pad = text.charCodeAt(len - 1) === 0x3d ? (text.charCodeAt(len - 2) === 0x3d ? 2 : 1) : 0
  return (len / 4) * 3 - pad
}

/**
 * Decodes canonical Base64 `text` into `out` from `at`; returns the number of bytes written, or -1
 * when `text` is not canonical (then `out` may hold partial bytes past `at`). `out` must have room
 * for `canonicalBase64Length(text)` bytes.
 */
export function decodeCanonicalBase64Into(text: string, out: Uint8Array, at: number): number {
  const n = canonicalBase64Length(text)
  if (n < 0) return -1
  const len = text.length
  const pad = (len / 4) * 3 - n
  const quads = (len - pad) >> 2
  let o = at
  for (let q = 0, i = 0; q < quads; q++, i += 4) {
    const a = sextet(text.charCodeAt(i))
    const b = sextet(text.charCodeAt(i + 1))
    const c = sextet(text.charCodeAt(i + 2))
    const d = sextet(text.charCodeAt(i + 3))
    if ((a | b | c | d) & 0x40) return -1
    out[o++] = (a << 2) | (b >> 4)
    out[o++] = ((b & 0x0f) << 4) | (c >> 2)
    out[o++] = ((c & 0x03) << 6) | d
  }
  if (pad > 0) {
    const i = quads * 4
    const a = sextet(text.charCodeAt(i))
    const b = sextet(text.charCodeAt(i + 1))
    if ((a | b) & 0x40) return -1
    out[o++] = (a << 2) | (b >> 4)
    if (pad === 1) {
      const c = sextet(text.charCodeAt(i + 2))
      if (c & 0x40 || (c & 0x03) !== 0) return -1
      out[o++] = ((b & 0x0f) << 4) | (c >> 2)
    } else if ((b & 0x0f) !== 0) return -1
  }
  return o - at
}
