/**
 * NaraStatus and NaraObservation exactly as the reference marshals them (newspaper.md §2):
 * struct field order, omitempty where tagged, sorted maps, Go float formatting.
 */
import type { Coordinates, HostStats, NaraObservation, NaraStatus } from './types'
import {
  goBool, goFloat, goInt, goMap, goObject, goQuote, omitFloat, omitInt, omitStr
} from './gojson'
import {
  bool, fields, float, int, object, optFloat, optInt, optObject, optStr, record, shape, str, type JsonObject
} from './codec-fields'

export function encodeNaraObservation(o: NaraObservation | null | undefined): string {
  const v = o ?? {}
  return goObject([
    ['restarts', omitInt(v.restarts)],
    ['total_uptime', omitInt(v.total_uptime)],
    ['start_time', omitInt(v.start_time)],
    ['online', omitStr(v.online)],
    ['last_seen', omitInt(v.last_seen)],
    ['last_restart', omitInt(v.last_restart)],
    ['cluster_name', omitStr(v.cluster_name)],
    ['cluster_emoji', omitStr(v.cluster_emoji)],
    ['last_ping_rtt', omitFloat(v.last_ping_rtt)],
    ['avg_ping_rtt', omitFloat(v.avg_ping_rtt)],
    ['last_ping_time', omitInt(v.last_ping_time)]
  ])
}

const OBSERVATION = shape([
  'restarts', 'total_uptime', 'start_time', 'online', 'last_seen', 'last_restart',
  'cluster_name', 'cluster_emoji', 'last_ping_rtt', 'avg_ping_rtt', 'last_ping_time'
])

/** Decodes a NaraObservation; absent/null → `{}` (Go value type). Zero fields are left out. */
export function decodeNaraObservation(v: unknown, path: string): NaraObservation {
  const raw = optObject(v, path)
  if (raw === null) return {}
  const f = fields(raw, OBSERVATION)
  const o: NaraObservation = {}
  const set = <K extends keyof NaraObservation>(k: K, value: NaraObservation[K] | undefined): void => {
    if (value !== undefined) o[k] = value
  }
  set('restarts', optInt(f.restarts, `${path}.restarts`))
  set('total_uptime', optInt(f.total_uptime, `${path}.total_uptime`))
  set('start_time', optInt(f.start_time, `${path}.start_time`))
  set('online', optStr(f.online, `${path}.online`))
  set('last_seen', optInt(f.last_seen, `${path}.last_seen`))
  set('last_restart', optInt(f.last_restart, `${path}.last_restart`))
  set('cluster_name', optStr(f.cluster_name, `${path}.cluster_name`))
  set('cluster_emoji', optStr(f.cluster_emoji, `${path}.cluster_emoji`))
  set('last_ping_rtt', optFloat(f.last_ping_rtt, `${path}.last_ping_rtt`))
  set('avg_ping_rtt', optFloat(f.avg_ping_rtt, `${path}.avg_ping_rtt`))
  set('last_ping_time', optInt(f.last_ping_time, `${path}.last_ping_time`))
  return o
}

function encodeHostStats(h: HostStats): string {
  return goObject([
    ['Uptime', goInt(h.Uptime)],
    ['LoadAvg', goFloat(h.LoadAvg)],
    ['MemAllocMB', goInt(h.MemAllocMB)],
    ['MemSysMB', goInt(h.MemSysMB)],
    ['MemHeapMB', goInt(h.MemHeapMB)],
    ['MemStackMB', goInt(h.MemStackMB)],
    ['NumGoroutines', goInt(h.NumGoroutines)],
    ['NumGC', goInt(h.NumGC)],
    ['ProcCPUPercent', goFloat(h.ProcCPUPercent)]
  ])
}

function encodeCoordinates(c: Coordinates): string {
  return goObject([
    ['x', goFloat(c.x)],
    ['y', goFloat(c.y)],
    ['height', goFloat(c.height)],
    ['error', goFloat(c.error)]
  ])
}

const encodeCount = (n: number): string => goInt(n)

/** json.Marshal(NaraStatus). Throws RangeError only for NaN/Inf floats, which Go also refuses. */
export function encodeStatus(s: NaraStatus): string {
  const byService = s.event_store_by_service
  return goObject([
    ['LicensePlate', goQuote(s.LicensePlate)],
    ['Flair', goQuote(s.Flair)],
    ['HostStats', encodeHostStats(s.HostStats)],
    ['Chattiness', goInt(s.Chattiness)],
    ['Buzz', goInt(s.Buzz)],
    ['Observations', goMap(s.Observations, encodeNaraObservation)],
    ['Trend', goQuote(s.Trend)],
    ['TrendEmoji', goQuote(s.TrendEmoji)],
    ['Personality', goObject([
      ['Agreeableness', goInt(s.Personality.Agreeableness)],
      ['Sociability', goInt(s.Personality.Sociability)],
      ['Chill', goInt(s.Personality.Chill)]
    ])],
    ['Aura', goObject([['primary', goQuote(s.Aura.primary)], ['secondary', goQuote(s.Aura.secondary)]])],
    ['Version', goQuote(s.Version)],
    ['PublicUrl', goQuote(s.PublicUrl)],
    ['PublicKey', goQuote(s.PublicKey)],
    ['ID', goQuote(s.ID)],
    ['MeshEnabled', goBool(s.MeshEnabled)],
    ['MeshIP', goQuote(s.MeshIP)],
    ['coordinates', s.coordinates ? encodeCoordinates(s.coordinates) : undefined],
    ['transport_mode', omitStr(s.transport_mode)],
    ['event_store_total', omitInt(s.event_store_total)],
    ['event_store_by_service', byService && Object.keys(byService).length > 0 ? goMap(byService, encodeCount) : undefined],
    ['event_store_critical', omitInt(s.event_store_critical)],
    ['memory_mode', omitStr(s.memory_mode)],
    ['memory_budget_mb', omitInt(s.memory_budget_mb)],
    ['memory_max_events', omitInt(s.memory_max_events)],
    ['stash_stored', omitInt(s.stash_stored)],
    ['stash_bytes', omitInt(s.stash_bytes)],
    ['stash_confidants', omitInt(s.stash_confidants)]
  ])
}

/** A status with every field at its Go zero value. */
export function zeroStatus(): NaraStatus {
  return {
    LicensePlate: '', Flair: '',
    HostStats: { Uptime: 0, LoadAvg: 0, MemAllocMB: 0, MemSysMB: 0, MemHeapMB: 0, MemStackMB: 0, NumGoroutines: 0, NumGC: 0, ProcCPUPercent: 0 },
    Chattiness: 0, Buzz: 0, Observations: null, Trend: '', TrendEmoji: '',
    Personality: { Agreeableness: 0, Sociability: 0, Chill: 0 },
    Aura: { primary: '', secondary: '' },
    Version: '', PublicUrl: '', PublicKey: '', ID: '', MeshEnabled: false, MeshIP: ''
  }
}

const STATUS = shape([
  'LicensePlate', 'Flair', 'HostStats', 'Chattiness', 'Buzz', 'Observations', 'Trend', 'TrendEmoji',
  'Personality', 'Aura', 'Version', 'PublicUrl', 'PublicKey', 'ID', 'MeshEnabled', 'MeshIP', 'coordinates',
  'transport_mode', 'event_store_total', 'event_store_by_service', 'event_store_critical', 'memory_mode',
  'memory_budget_mb', 'memory_max_events', 'stash_stored', 'stash_bytes', 'stash_confidants'
])
const HOST_STATS = shape(['Uptime', 'LoadAvg', 'MemAllocMB', 'MemSysMB', 'MemHeapMB', 'MemStackMB', 'NumGoroutines', 'NumGC', 'ProcCPUPercent'])
const PERSONALITY = shape(['Agreeableness', 'Sociability', 'Chill'])
const AURA = shape(['primary', 'secondary'])
const COORDINATES = shape(['x', 'y', 'height', 'error'])

const U = { unsigned: true }

/** Decodes an already-parsed NaraStatus value (throws DecodeFailure; wrap with catchDecode). */
export function decodeStatusValue(v: unknown, path = 'Status'): NaraStatus {
  const f = fields(object(v, path), STATUS)
  const hs = fields(optObject(f.HostStats, `${path}.HostStats`) ?? {}, HOST_STATS)
  const p = fields(optObject(f.Personality, `${path}.Personality`) ?? {}, PERSONALITY)
  const a = fields(optObject(f.Aura, `${path}.Aura`) ?? {}, AURA)
  const coords = optObject(f.coordinates, `${path}.coordinates`)
  const s: NaraStatus = {
    LicensePlate: str(f.LicensePlate, `${path}.LicensePlate`),
    Flair: str(f.Flair, `${path}.Flair`),
    HostStats: {
      Uptime: int(hs.Uptime, `${path}.HostStats.Uptime`, U),
      LoadAvg: float(hs.LoadAvg, `${path}.HostStats.LoadAvg`),
      MemAllocMB: int(hs.MemAllocMB, `${path}.HostStats.MemAllocMB`, U),
      MemSysMB: int(hs.MemSysMB, `${path}.HostStats.MemSysMB`, U),
      MemHeapMB: int(hs.MemHeapMB, `${path}.HostStats.MemHeapMB`, U),
      MemStackMB: int(hs.MemStackMB, `${path}.HostStats.MemStackMB`, U),
      NumGoroutines: int(hs.NumGoroutines, `${path}.HostStats.NumGoroutines`),
      NumGC: int(hs.NumGC, `${path}.HostStats.NumGC`, U),
      ProcCPUPercent: float(hs.ProcCPUPercent, `${path}.HostStats.ProcCPUPercent`)
    },
    Chattiness: int(f.Chattiness, `${path}.Chattiness`),
    Buzz: int(f.Buzz, `${path}.Buzz`),
    Observations: record(f.Observations, `${path}.Observations`, decodeNaraObservation),
    Trend: str(f.Trend, `${path}.Trend`),
    TrendEmoji: str(f.TrendEmoji, `${path}.TrendEmoji`),
    Personality: {
      Agreeableness: int(p.Agreeableness, `${path}.Personality.Agreeableness`),
      Sociability: int(p.Sociability, `${path}.Personality.Sociability`),
      Chill: int(p.Chill, `${path}.Personality.Chill`)
    },
    Aura: { primary: str(a.primary, `${path}.Aura.primary`), secondary: str(a.secondary, `${path}.Aura.secondary`) },
    Version: str(f.Version, `${path}.Version`),
    PublicUrl: str(f.PublicUrl, `${path}.PublicUrl`),
    PublicKey: str(f.PublicKey, `${path}.PublicKey`),
    ID: str(f.ID, `${path}.ID`),
    MeshEnabled: bool(f.MeshEnabled, `${path}.MeshEnabled`),
    MeshIP: str(f.MeshIP, `${path}.MeshIP`)
  }
  if (coords) {
    const c = fields(coords, COORDINATES)
    s.coordinates = {
      x: float(c.x, `${path}.coordinates.x`),
      y: float(c.y, `${path}.coordinates.y`),
      height: float(c.height, `${path}.coordinates.height`),
      error: float(c.error, `${path}.coordinates.error`)
    }
  }
  const optional = (key: keyof NaraStatus & string, value: string | number | undefined): void => {
    if (value !== undefined) (s as unknown as JsonObject)[key] = value
  }
  optional('transport_mode', optStr(f.transport_mode, `${path}.transport_mode`))
  optional('event_store_total', optInt(f.event_store_total, `${path}.event_store_total`))
  const byService = record(f.event_store_by_service, `${path}.event_store_by_service`, (x, q) => int(x, q))
  if (byService && Object.keys(byService).length > 0) s.event_store_by_service = byService
  optional('event_store_critical', optInt(f.event_store_critical, `${path}.event_store_critical`))
  optional('memory_mode', optStr(f.memory_mode, `${path}.memory_mode`))
  optional('memory_budget_mb', optInt(f.memory_budget_mb, `${path}.memory_budget_mb`))
  optional('memory_max_events', optInt(f.memory_max_events, `${path}.memory_max_events`))
  optional('stash_stored', optInt(f.stash_stored, `${path}.stash_stored`))
  optional('stash_bytes', optInt(f.stash_bytes, `${path}.stash_bytes`))
  optional('stash_confidants', optInt(f.stash_confidants, `${path}.stash_confidants`))
  return s
}
