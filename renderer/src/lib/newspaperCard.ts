/**
 * A newspaper (a nara's signed Status) as a person reads it: figures with names, and what
 * changed since that nara's previous paper in words. Peer-supplied values are checked for type
 * here; anything odd is left out rather than shown raw.
 */
import { safeColour } from './avatar'
import { duration } from './format'
import { PERSONALITY } from './figures'

type Status = Record<string, unknown>

export interface PaperFigures {
  /** HostStats.Uptime: seconds the peer's process has been up, as it reported. */
  uptimeSeconds: number | null
  chattiness: number | null
  buzz: number | null
  personality: { letter: string; word: string; value: number }[] | null
  aura: { primary: string; secondary: string } | null
  flair: string
  version: string
  /** Events in its memory by service, largest first. */
  services: { svc: string; count: number }[]
  eventsTotal: number | null
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const obj = (v: unknown): Status | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Status) : null)
const text = (v: unknown): string => (typeof v === 'string' ? v : '')

export function paperFigures(status: Status): PaperFigures {
  const persona = obj(status.Personality)
  const values = persona ? PERSONALITY.map((p) => ({ letter: p.letter, word: p.word, value: num(persona[p.key]) })) : []
  const aura = obj(status.Aura)
  const primary = aura ? text(aura.primary) : ''
  const byService = obj(status.event_store_by_service) ?? {}
  const services = Object.entries(byService)
    .map(([svc, c]) => ({ svc, count: num(c) ?? -1 }))
    .filter((s) => s.count >= 0)
    .sort((a, b) => b.count - a.count || (a.svc < b.svc ? -1 : 1))
  return {
    uptimeSeconds: num(obj(status.HostStats)?.Uptime),
    chattiness: num(status.Chattiness),
    buzz: num(status.Buzz),
    personality: values.length > 0 && values.every((v) => v.value !== null) ? (values as { letter: string; word: string; value: number }[]) : null,
    aura: primary ? { primary: safeColour(primary, '#888888'), secondary: safeColour(aura?.secondary, safeColour(primary, '#888888')) } : null,
    flair: text(status.Flair),
    version: text(status.Version),
    services,
    eventsTotal: num(status.event_store_total)
  }
}

/** Status keys in words (the wire names are the reference's). */
const LABEL: Record<string, string> = {
  LicensePlate: 'licence plate',
  Flair: 'flair',
  HostStats: 'host figures',
  Chattiness: 'chattiness',
  Buzz: 'buzz',
  Observations: 'observations',
  Trend: 'trend',
  TrendEmoji: 'trend emoji',
  Personality: 'personality',
  Aura: 'aura',
  Version: 'version',
  PublicUrl: 'public URL',
  PublicKey: 'public key',
  ID: 'ID',
  MeshEnabled: 'mesh',
  MeshIP: 'mesh address',
  coordinates: 'network coordinates',
  transport_mode: 'transport',
  event_store_total: 'events in memory',
  event_store_by_service: 'events by service',
  event_store_critical: 'critical events',
  memory_mode: 'memory mode',
  memory_budget_mb: 'memory budget',
  memory_max_events: 'event capacity',
  stash_stored: 'stash',
  stash_bytes: 'stash size',
  stash_confidants: 'stash confidants'
}

export function statusLabel(key: string): string {
  return LABEL[key] ?? key.replace(/_/g, ' ')
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

function rise(label: string, before: unknown, after: unknown): string {
  const a = num(before)
  const b = num(after)
  if (a === null || b === null) return `${label} changed`
  return `${label} ${b > a ? 'rose' : 'fell'} from ${a} to ${b}`
}

function serviceDelta(before: unknown, after: unknown): string {
  const a = obj(before) ?? {}
  const b = obj(after) ?? {}
  const parts: string[] = []
  for (const svc of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const d = (num(b[svc]) ?? 0) - (num(a[svc]) ?? 0)
    if (d !== 0) parts.push(`${d > 0 ? '+' : '−'}${Math.abs(d)} ${svc}`)
  }
  return parts.length ? `events by service: ${parts.join(', ')}` : 'events by service changed'
}

/**
 * What changed since the previous paper of the same nara, one sentence per field. Without the
 * previous paper in this window, the node's list of changed keys is named instead.
 */
export function describeChanges(previous: Status | null, current: Status, changedKeys: readonly string[]): string[] {
  if (!previous) return changedKeys.map((k) => `${statusLabel(k)} changed`)
  const keys = [...new Set([...Object.keys(previous), ...Object.keys(current)])].filter((k) => !same(previous[k], current[k]))
  return keys.map((k) => {
    const before = previous[k]
    const after = current[k]
    switch (k) {
      case 'Chattiness':
      case 'Buzz':
      case 'event_store_total':
      case 'event_store_critical':
      case 'stash_stored':
        return rise(statusLabel(k), before, after)
      case 'HostStats': {
        const up = num(obj(after)?.Uptime)
        return up === null ? 'host figures updated' : `host figures updated (up ${duration(up)})`
      }
      case 'event_store_by_service':
        return serviceDelta(before, after)
      case 'Flair':
      case 'Version':
      case 'Trend':
      case 'TrendEmoji':
      case 'transport_mode':
      case 'memory_mode':
        return `${statusLabel(k)}: ${text(before) || 'none'} → ${text(after) || 'none'}`
      default:
        return `${statusLabel(k)} changed`
    }
  })
}

/** One short line for the feed: the first two changes, then how many more. */
export function changeSummary(lines: readonly string[]): string {
  if (lines.length === 0) return 'no change'
  const head = lines.slice(0, 2).join('; ')
  return lines.length > 2 ? `${head}; ${lines.length - 2} more` : head
}
