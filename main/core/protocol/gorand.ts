/**
 * Go's legacy seeded math/rand source (rand.New(rand.NewSource(seed))), bit for bit.
 * Names, personality and flair are drawn from it, so any drift would rename naras.
 *
 * The 607-word state is kept as two Uint32Arrays (high and low halves) so the additive
 * lagged-Fibonacci step is plain 32-bit arithmetic: no BigInt on the hot path.
 */
import cooked from './data/go-math-rand-rngcooked.json'

const RNG_LEN = 607
const RNG_TAP = 273
const INT32_MAX = 2147483647
const INT32_MAX_N = 2147483647n
/** Go substitutes this when the reduced seed is zero. */
const ZERO_SEED_REPLACEMENT = 89482311n
const TWO_32 = 0x1_0000_0000

const COOKED_HI = new Uint32Array(RNG_LEN)
const COOKED_LO = new Uint32Array(RNG_LEN)
{
  const values = (cooked as { values: string[] }).values
  if (values.length !== RNG_LEN) throw new Error(`rngCooked table must have ${RNG_LEN} entries`)
  for (let i = 0; i < RNG_LEN; i++) {
    const u = BigInt.asUintN(64, BigInt(values[i]!))
    COOKED_HI[i] = Number(u >> 32n)
    COOKED_LO[i] = Number(u & 0xffffffffn)
  }
}

/** Park–Miller step Go uses to expand the seed; x is a non-negative int32. */
function seedrand(x: number): number {
  const hi = Math.trunc(x / 44488)
  const lo = x % 44488
  let next = 48271 * lo - 3399 * hi
  if (next < 0) next += INT32_MAX
  return next
}

export class GoRand {
  private readonly hi = new Uint32Array(RNG_LEN)
  private readonly lo = new Uint32Array(RNG_LEN)
  private tap = 0
  private feed = RNG_LEN - RNG_TAP

  constructor(seed: bigint) {
    let s = BigInt.asIntN(64, seed) % INT32_MAX_N
    if (s < 0n) s += INT32_MAX_N
    if (s === 0n) s = ZERO_SEED_REPLACEMENT
    let x = Number(s)
    for (let i = -20; i < RNG_LEN; i++) {
      x = seedrand(x)
      if (i < 0) continue
      // u = x1<<40 ^ x2<<20 ^ x3 ^ cooked[i], truncated to 64 bits.
      const x1 = x
      x = seedrand(x)
      const x2 = x
      x = seedrand(x)
      const x3 = x
      this.hi[i] = ((x1 << 8) ^ (x2 >>> 12) ^ COOKED_HI[i]!) >>> 0
      this.lo[i] = ((x2 << 20) ^ x3 ^ COOKED_LO[i]!) >>> 0
    }
  }

  /** Advances the generator; leaves the new 64-bit value in the state and returns its slot. */
  private step(): number {
    if (--this.tap < 0) this.tap += RNG_LEN
    if (--this.feed < 0) this.feed += RNG_LEN
    const f = this.feed
    const t = this.tap
    const lo = this.lo[f]! + this.lo[t]!
    const carry = lo >= TWO_32 ? 1 : 0
    this.lo[f] = lo
    this.hi[f] = this.hi[f]! + this.hi[t]! + carry
    return f
  }

  uint64(): bigint {
    const f = this.step()
    return (BigInt(this.hi[f]!) << 32n) | BigInt(this.lo[f]!)
  }

  int63(): bigint {
    const f = this.step()
    return (BigInt(this.hi[f]! & 0x7fffffff) << 32n) | BigInt(this.lo[f]!)
  }

  /** Int63() >> 32: the top 31 bits of the 63-bit value. */
  int31(): number {
    return this.hi[this.step()]! & 0x7fffffff
  }

  int31n(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > INT32_MAX) throw new RangeError(`int31n: n must be in 1..2^31-1, got ${n}`)
    if ((n & (n - 1)) === 0) return this.int31() & (n - 1)
    const max = INT32_MAX - (2147483648 % n)
    let v = this.int31()
    while (v > max) v = this.int31()
    return v % n
  }

  /** Go's Intn for 0 < n < 2^31 (the only range the protocol uses). */
  intn(n: number): number {
    return this.int31n(n)
  }
}

/** First 8 bytes of a digest, big-endian, as Go's int64(binary.BigEndian.Uint64(h[:8])). */
export function seedFromDigest(digest: Uint8Array): bigint {
  if (digest.length < 8) throw new RangeError('digest must have at least 8 bytes')
  return Buffer.from(digest.buffer, digest.byteOffset, 8).readBigInt64BE(0)
}
