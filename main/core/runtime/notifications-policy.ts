/**
 * Decides which peer changes are worth a desktop notification (Syncthing-Tray style): separate
 * from the code that learns about changes, driven by an injected clock, no Electron.
 *
 * - A change is derived from a peer's status transition; the last status of every peer is
 *   tracked even while quiet, so the first notification after a quiet spell is correct.
 * - Quiet for `quietMs` after start and after wake; muted from a manual Leave until we are
 *   online again (plus `quietMs`), because our own leaving makes everyone look gone.
 * - Changes are collected for `batchMs`; `digestThreshold` or more at once become one digest.
 * - Per-category switches plus a master switch, read at delivery time.
 */
import type { Clock, TimerHandle } from '../clock'
import type { PeerStatus } from '../views'

export type PeerChangeKind = 'joined' | 'left' | 'missing' | 'back'
export const PEER_CHANGE_KINDS: readonly PeerChangeKind[] = ['joined', 'left', 'missing', 'back']

export type NavigationIntent = { kind: 'open-profile'; name: string } | { kind: 'open-neighbours' }

export interface Notice {
  title: string
  body: string
  category: PeerChangeKind | 'digest'
  /** What a click on the notification should open in the window. */
  navigate: NavigationIntent
}

export interface NotificationSwitches {
  enabled: boolean
  categories: Record<PeerChangeKind, boolean>
}

export interface NotificationPolicyOptions {
  clock: Clock
  switches: () => NotificationSwitches
  deliver: (notice: Notice) => void
  quietMs?: number
  batchMs?: number
  digestThreshold?: number
}

export const DEFAULT_QUIET_MS = 60_000
export const DEFAULT_BATCH_MS = 1_500
export const DEFAULT_DIGEST_THRESHOLD = 3

/** Maps a status transition to the change a person would care about (null: not interesting). */
export function classifyTransition(previous: PeerStatus | undefined, next: PeerStatus): PeerChangeKind | null {
  if (previous === next) return null
  if (next === 'ONLINE') return previous === 'MISSING' ? 'back' : 'joined'
  if (previous !== 'ONLINE') return null // MISSING → OFFLINE etc.: they were already gone
  return next === 'OFFLINE' ? 'left' : 'missing'
}

const PHRASES: Record<PeerChangeKind, string> = {
  joined: 'joined the plaza',
  left: 'left (said chau)',
  missing: 'went missing',
  back: 'is back'
}

export class NotificationPolicy {
  private readonly last = new Map<string, PeerStatus>()
  private readonly pending = new Map<string, PeerChangeKind>()
  private quietUntilMs = -Infinity
  private mutedByLeave = false
  private batchTimer: TimerHandle | null = null
  private readonly quietMs: number
  private readonly batchMs: number
  private readonly digestThreshold: number

  constructor(private readonly opts: NotificationPolicyOptions) {
    this.quietMs = opts.quietMs ?? DEFAULT_QUIET_MS
    this.batchMs = opts.batchMs ?? DEFAULT_BATCH_MS
    this.digestThreshold = opts.digestThreshold ?? DEFAULT_DIGEST_THRESHOLD
  }

  /** App started (or the node restarted): the first burst of "joined" is just us catching up. */
  noteStarted(): void {
    this.quietFor(this.quietMs)
  }

  noteWake(): void {
    this.quietFor(this.quietMs)
  }

  /** A manual Leave: stay silent until we are online again. */
  noteManualLeave(): void {
    this.mutedByLeave = true
    this.dropPending()
  }

  /** We are online again after a Leave (or the first join): a minute of catching up. */
  noteOnline(): void {
    this.mutedByLeave = false
    this.quietFor(this.quietMs)
  }

  isQuiet(): boolean {
    return this.mutedByLeave || this.opts.clock.nowMs() < this.quietUntilMs
  }

  /** Feed every observed peer status; returns the change it represents (for tests and logs). */
  observe(name: string, status: PeerStatus): PeerChangeKind | null {
    const change = classifyTransition(this.last.get(name), status)
    this.last.set(name, status)
    if (change === null || this.isQuiet()) return change
    this.pending.set(name, change) // a newer change of the same peer replaces the older one
    if (this.batchTimer === null) {
      this.batchTimer = this.opts.clock.setTimeout(() => this.flush(), this.batchMs)
    }
    return change
  }

  /** Delivers what is pending now (called by the batch timer). */
  flush(): void {
    if (this.batchTimer !== null) this.opts.clock.clearTimeout(this.batchTimer)
    this.batchTimer = null
    const sw = this.opts.switches()
    const wanted = [...this.pending].filter(([, kind]) => sw.enabled && sw.categories[kind])
    this.pending.clear()
    if (wanted.length === 0 || this.isQuiet()) return
    if (wanted.length >= this.digestThreshold) {
      this.opts.deliver(digestNotice(wanted))
      return
    }
    for (const [name, kind] of wanted) {
      this.opts.deliver({ title: `${name} ${PHRASES[kind]}`, body: '', category: kind, navigate: { kind: 'open-profile', name } })
    }
  }

  dispose(): void {
    this.dropPending()
  }

  private quietFor(ms: number): void {
    this.quietUntilMs = Math.max(this.quietUntilMs, this.opts.clock.nowMs() + ms)
    this.dropPending()
  }

  private dropPending(): void {
    if (this.batchTimer !== null) this.opts.clock.clearTimeout(this.batchTimer)
    this.batchTimer = null
    this.pending.clear()
  }
}

function digestNotice(changes: Array<[string, PeerChangeKind]>): Notice {
  const counts = new Map<PeerChangeKind, number>()
  for (const [, kind] of changes) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  const parts = PEER_CHANGE_KINDS.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${PHRASES[k]}`)
  return {
    title: `${changes.length} naras changed`,
    body: parts.join(', '),
    category: 'digest',
    navigate: { kind: 'open-neighbours' }
  }
}
