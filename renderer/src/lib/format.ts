/** Small, pure formatting helpers shared by the views. */
import { parseJsonLossless } from '../../../main/core/protocol/jsonLossless'

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '—'
  const s = Math.floor(seconds)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  // Seconds under an hour, so a running clock visibly moves.
  if (m > 0) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`
  return `${s}s`
}

export function ago(thenMs: number, nowMs: number): string {
  if (!thenMs) return 'never'
  const diff = Math.max(0, nowMs - thenMs) / 1000
  if (diff < 5) return 'just now'
  return `${duration(diff)} ago`
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

export function clockTime(ms: number): string {
  const d = new Date(ms)
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}

/** Event timestamps are nanoseconds as decimal strings (beyond 2^53). */
export function nsToMs(ns: string): number {
  if (!/^\d{1,30}$/.test(ns)) return 0
  return Number(ns.length > 6 ? ns.slice(0, -6) : '0')
}

export function pct(v: number): string {
  return `${Math.round(v)}`
}

/**
 * Indented JSON that keeps every integer exact: event `ts` values are nanoseconds beyond 2^53,
 * which JSON.parse would round. Text that is not JSON comes back unchanged.
 */
export function prettyJson(text: string): string {
  const parsed = parseJsonLossless(text)
  if (!parsed.ok) return text
  // Big integers travel through JSON.stringify as marked strings and are unquoted afterwards;
  // the random nonce keeps a peer's string from ever looking like a mark.
  const mark = `big${Math.random().toString(36).slice(2)}n`
  const out = JSON.stringify(parsed.value, (_k, v: unknown) => (typeof v === 'bigint' ? mark + v.toString() : v), 2)
  return out.replace(new RegExp(`"${mark}(-?\\d+)"`, 'g'), '$1')
}
