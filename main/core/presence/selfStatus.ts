/** Our own NaraStatus as Go fills it (newspaper.md §2, §4), from injected measurements. */
import { cpus, loadavg, uptime } from 'node:os'
import type { Coordinates, HostStats, NaraObservation, NaraStatus, Personality, Aura } from '../protocol/types'
import { NARA_VERSION } from '../protocol/types'

const trunc2 = (x: number): number => Math.trunc(x * 100) / 100
const MB = 1024 * 1024

/** Cores for the per-core load average; `os.cpus()` reads /proc/cpuinfo (≈ 30 µs), so once. */
let coreCount = 0

/** The 1-min load average per CPU, as Go's newspaper reports it. */
export function readLoadPerCore(): number {
  const n = (coreCount ||= Math.max(1, cpus().length))
  return trunc2((loadavg()[0] ?? 0) / n)
}

/** OS uptime, 1-min load per CPU, process memory (Go reports its runtime's; these are the nearest Node figures). */
export function readHostStats(): HostStats {
  const mem = process.memoryUsage()
  return {
    Uptime: Math.floor(uptime()),
    LoadAvg: readLoadPerCore(),
    MemAllocMB: Math.floor(mem.heapUsed / MB),
    MemSysMB: Math.floor(mem.rss / MB),
    MemHeapMB: Math.floor(mem.heapTotal / MB),
    MemStackMB: 0,
    NumGoroutines: 0,
    NumGC: 0,
    ProcCPUPercent: 0
  }
}

export interface SelfStatusInput {
  /** Our barrio's emoji (social/barrio.ts). */
  licensePlate?: string
  trend?: { trend: string; emoji: string }
  flair: string
  hostStats: HostStats
  chattiness: number
  buzz: number
  personality: Personality
  aura: Aura
  publicKey: string
  id: string
  meshIP: string
  coordinates: Coordinates
  transportMode: string
  ledger: { total: number; byService: Record<string, number>; critical: number; mode: string; budgetMb: number; maxEvents: number }
  /** null for newspapers (slim); our observation map for howdy `Me`. */
  observations: Record<string, NaraObservation> | null
}

export function buildSelfStatus(i: SelfStatusInput): NaraStatus {
  const s: NaraStatus = {
    LicensePlate: i.licensePlate ?? '',
    Flair: i.flair,
    HostStats: i.hostStats,
    Chattiness: i.chattiness,
    Buzz: i.buzz,
    Observations: i.observations,
    Trend: i.trend?.trend ?? '',
    TrendEmoji: i.trend?.emoji ?? '',
    Personality: i.personality,
    Aura: i.aura,
    Version: NARA_VERSION,
    PublicUrl: '',
    PublicKey: i.publicKey,
    ID: i.id,
    MeshEnabled: i.meshIP !== '',
    MeshIP: i.meshIP,
    coordinates: i.coordinates,
    transport_mode: i.transportMode
  }
  if (i.ledger.total) s.event_store_total = i.ledger.total
  if (Object.keys(i.ledger.byService).length) s.event_store_by_service = i.ledger.byService
  if (i.ledger.critical) s.event_store_critical = i.ledger.critical
  if (i.ledger.mode) s.memory_mode = i.ledger.mode
  // Go sends 256 / 512 / 2048 for short / medium / hog (0 for custom, omitted).
  if (i.ledger.budgetMb) s.memory_budget_mb = i.ledger.budgetMb
  if (i.ledger.maxEvents) s.memory_max_events = i.ledger.maxEvents
  return s
}

/** Vivaldi start: a random point within 0.001 of the origin, height 1e-5, error 1 (vivaldi.go). */
export function initialCoordinates(float: () => number): Coordinates {
  const angle = float() * 2 * Math.PI
  const r = float() * 0.001
  return { x: r * Math.cos(angle), y: r * Math.sin(angle), height: 0.00001, error: 1 }
}
