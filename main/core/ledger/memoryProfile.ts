/**
 * Memory profiles (reference `memory.go`): how many events the ledger keeps. Auto mode
 * sizes itself from the cgroup limit when one applies, else from total RAM. The probes are
 * injectable so tests decide what the machine looks like.
 */
import { readFileSync } from 'node:fs'
import { totalmem } from 'node:os'

export type LedgerMemoryMode = 'short' | 'medium' | 'hog' | 'custom'
export type MemoryModeSetting = LedgerMemoryMode | 'auto'

export interface MemoryProfile {
  mode: LedgerMemoryMode
  /** Advertised budget (newspaper `memory_budget_mb`); 0 for custom. */
  budgetMb: number
  maxEvents: number
  /** Where auto mode got its number; absent for explicit modes. */
  source?: 'cgroup' | 'system' | 'default'
}

export const PROFILES: Readonly<Record<Exclude<LedgerMemoryMode, 'custom'>, MemoryProfile>> = {
  short: { mode: 'short', budgetMb: 256, maxEvents: 20_000 },
  medium: { mode: 'medium', budgetMb: 512, maxEvents: 80_000 },
  hog: { mode: 'hog', budgetMb: 2048, maxEvents: 320_000 }
}

/** Like Go's ParseMemoryMode: case/space-insensitive, anything unknown is medium. */
export function parseMemoryMode(text: string | undefined): MemoryModeSetting {
  const t = (text ?? '').trim().toLowerCase()
  return t === 'auto' || t === 'short' || t === 'hog' || t === 'custom' ? t : 'medium'
}

export function modeForBudget(budgetMb: number): Exclude<LedgerMemoryMode, 'custom'> {
  if (budgetMb <= 384) return 'short'
  if (budgetMb <= 1024) return 'medium'
  return 'hog'
}

export interface MemoryProbe {
  /** Raw text of a cgroup limit file, or null when none exists. */
  readCgroupLimit(): string | null
  totalMemBytes(): number
}

const CGROUP_LIMIT_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']

export const systemMemoryProbe: MemoryProbe = {
  readCgroupLimit() {
    for (const path of CGROUP_LIMIT_FILES) {
      try {
        return readFileSync(path, 'utf8')
      } catch {
        // try the cgroup v1 file next
      }
    }
    return null
  },
  totalMemBytes: () => totalmem()
}

const MB = 1024 * 1024

/** Budget in MB: the cgroup limit when it is a real cap below total RAM, else total RAM. */
export function detectBudgetMb(probe: MemoryProbe): { budgetMb: number; source: 'cgroup' | 'system' } | null {
  const total = probe.totalMemBytes()
  if (!Number.isFinite(total) || total <= 0) return null
  const raw = probe.readCgroupLimit()?.trim()
  // "max" or a value above 2x RAM (v1's "unlimited" sentinel) means no cap.
  if (raw && /^\d+$/.test(raw)) {
    const limit = Number(raw)
    if (limit > 0 && limit <= total * 2 && limit < total) return { budgetMb: Math.floor(limit / MB), source: 'cgroup' }
  }
  return { budgetMb: Math.floor(total / MB), source: 'system' }
}

/**
 * Resolves a setting to a profile. `custom` needs a positive `customMaxEvents`
 * (`-ledger-capacity` / `LEDGER_CAPACITY`); without one it falls back to medium.
 */
export function resolveMemoryProfile(
  setting: MemoryModeSetting = 'medium',
  opts: { customMaxEvents?: number; probe?: MemoryProbe } = {}
): MemoryProfile {
  switch (setting) {
    case 'short':
    case 'medium':
    case 'hog':
      return { ...PROFILES[setting] }
    case 'custom': {
      const n = opts.customMaxEvents
      if (n !== undefined && Number.isSafeInteger(n) && n > 0) return { mode: 'custom', budgetMb: 0, maxEvents: n }
      return { ...PROFILES.medium }
    }
    case 'auto': {
      const detected = detectBudgetMb(opts.probe ?? systemMemoryProbe)
      if (!detected) return { ...PROFILES.medium, source: 'default' }
      return { ...PROFILES[modeForBudget(detected.budgetMb)], source: detected.source }
    }
  }
}
