/**
 * Word-list names (identity.md §6) and the hostname heuristic that decides whether a
 * nara names itself or takes the host's name (§5).
 */
import words from './data/name-words.json'
import { sha256 } from './crypto'
import { GoRand, seedFromDigest } from './gorand'

export const ADJECTIVES: readonly string[] = words.adjectives
export const NOUNS: readonly string[] = words.nouns
export const GEMSTONES: readonly string[] = words.gemstones
export const PERSONAL_FLAIR_POOL: readonly string[] = words.personal_flair_pool
export const TREND_EMOJIS: readonly string[] = words.trend_emojis
export const CLUSTER_NAMES: readonly string[] = words.cluster_names
export const BARRIO_EMOJI: readonly string[] = words.barrio_emoji

export const UNNAMED = 'unnamed-nara'

/** Go always passes the 64-char lower-case hex of the soul seed. */
export function generateName(id: string): string {
  if (id === '') return UNNAMED
  const r = new GoRand(seedFromDigest(sha256(id)))
  const adjective = ADJECTIVES[r.intn(ADJECTIVES.length)]!
  const noun = NOUNS[r.intn(NOUNS.length)]!
  const suffix = r.intn(1000)
  return `${adjective}-${noun}-${String(suffix).padStart(3, '0')}`
}

/**
 * Substrings that mark a hostname as "nobody chose this". The reference's list also has
 * "Mac", which can never match a lower-cased name, so it is left out here on purpose.
 */
const GENERIC_HOST_PARTS = ['localhost', 'raspberrypi', 'raspberry', 'debian', 'ubuntu', 'nixos', 'nara']
const CONTAINER_ID = /^[0-9a-f]{12,}$/

export function isGenericHostname(hostname: string): boolean {
  const lower = hostname.toLowerCase()
  return GENERIC_HOST_PARTS.some((part) => lower.includes(part)) || CONTAINER_ID.test(lower)
}

/** Short host name as Go's os.Hostname() up to the first dot. */
export function shortHostname(hostname: string): string {
  const dot = hostname.indexOf('.')
  return dot < 0 ? hostname : hostname.slice(0, dot)
}
