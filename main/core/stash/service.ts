/**
 * The stash (Go `services/stash`): a small JSON document of ours, sealed with a key only our soul
 * derives, kept by up to three confidants in their RAM; after a restart they hand it back when
 * they hear our hey_there (as Go does), so the memory survives a reboot without a disk. We answer
 * `stash_refresh` on the plaza too (Go's own handler never matches) but, like Go, never send it.
 * We are a confidant for others in turn, within a bounded budget.
 *
 * Messages travel as signed runtime messages on POST /mesh/message; a reply is a new message
 * carrying `in_reply_to`. Everything that arrives is untrusted: each refusal is counted by reason.
 */
import {
  buildRuntimeMessage, type RuntimeMessage, type RuntimePayload, type StashAckPayload, type StashResponsePayload
} from '../protocol/runtimeMessage'
import { verifyRuntimeMessage } from '../protocol/runtimeMessage'
import type { PresenceCore } from '../presence/core'
import type { StashView } from '../views'
import { openStash, sealStash, STASH_NONCE_BYTES } from './crypto'

/** Largest sealed stash we hold for anyone (and the largest plaintext we seal). */
export const MAX_STASH_BYTES = 16 * 1024
/** Total ciphertext we hold for others. */
export const HOLD_BUDGET_BYTES = 1024 * 1024
/** Confidants we aim for (Go `targetConfidants`). */
export const TARGET_CONFIDANTS = 3
/** Messages older or further ahead than this are refused (a captured message cannot be replayed later). */
export const MESSAGE_WINDOW_MS = 10 * 60_000
export const SEEN_IDS_KEPT = 2048
export const CALL_TIMEOUT_MS = 30_000
/** A message from a nara whose key we do not know yet waits this long for its hey_there/howdy. */
export const UNKNOWN_SENDER_WAIT_MS = 15_000
export const UNKNOWN_SENDER_KEPT = 16

/** Owners we hold stashes for, by memory mode (Go `StorageLimit`: medium 20, high 50, else 5). */
export function ownerLimit(mode: string): number {
  return mode === 'medium' ? 20 : mode === 'hog' ? 50 : 5
}

interface Held {
  owner: string
  nonce: Buffer
  ciphertext: Buffer
  /** The owner's own timestamp of this version (s): newer versions only. */
  ts: number
  storedAtSec: number
}

export interface StashHost {
  seed(): Uint8Array
  /** POST /mesh/message to the nara with this ID; true when it answered 200. */
  send(toId: string, m: RuntimeMessage): Promise<boolean>
  /** Online mesh peers with a known ID, most uptime first. */
  candidates(): { name: string; id: string }[]
  emit(v: StashView): void
  memoryMode(): string
}

export class StashService {
  private readonly held = new Map<string, Held>()
  private heldBytes = 0
  private data: Buffer | null = null
  private dataTs = 0
  private recoveredFrom: string | null = null
  /** Confidants that acknowledged our current stash, by ID → name. */
  private readonly holders = new Map<string, string>()
  private readonly calls = new Map<string, (m: RuntimeMessage | null) => void>()
  private readonly seen = new Set<string>()
  /** Right after our restart a confidant's push may beat its identity to us: held briefly, bounded. */
  private waiting: { m: RuntimeMessage; untilMs: number }[] = []

  constructor(
    private readonly core: PresenceCore,
    private readonly host: StashHost,
    private readonly callTimeoutMs = CALL_TIMEOUT_MS
  ) {}

  private get me(): { name: string; id: string } {
    return { name: this.core.identity.name, id: this.core.identity.id }
  }

  private nowSec(): number {
    return Math.floor(this.core.clock.nowMs() / 1000)
  }

  private message(p: RuntimePayload, toId: string, inReplyTo?: string): RuntimeMessage {
    const to = this.core.neighbourhood.nameOfId(toId) ?? undefined
    return buildRuntimeMessage(p, { from: this.me.name, fromId: this.me.id, to, toId, atMs: this.core.clock.nowMs(), inReplyTo }, this.core.signer)
  }

  private drop(reason: string, detail: string): void {
    this.core.drops.count(`stash_${reason}`, detail)
  }

  // ---------------------------------------------------------------------------------------
  // Owner side

  /** Our stash document (JSON text), or null. */
  get document(): string | null {
    return this.data ? this.data.toString('utf8') : null
  }

  /** Seals `json` and hands it to up to three confidants; resolves with how many took it. */
  async set(json: string): Promise<{ ok: true; confidants: string[] } | { ok: false; reason: string }> {
    const c = this.core
    if (c.config.readOnly) return { ok: false, reason: 'read-only' }
    try {
      JSON.parse(json)
    } catch {
      return { ok: false, reason: 'stash must be JSON' }
    }
    const plain = Buffer.from(json, 'utf8')
    if (plain.length > MAX_STASH_BYTES - 16) return { ok: false, reason: `stash larger than ${MAX_STASH_BYTES - 16} bytes` }
    this.data = plain
    this.dataTs = this.nowSec()
    this.recoveredFrom = null
    this.holders.clear()
    const { nonce, ciphertext } = sealStash(this.host.seed(), plain)
    const ts = this.dataTs
    const tried = new Set<string>()
    for (const peer of this.host.candidates()) {
      if (this.holders.size >= TARGET_CONFIDANTS) break
      if (tried.has(peer.id) || peer.id === this.me.id) continue
      tried.add(peer.id)
      const ack = await this.call(peer.id, { kind: 'stash:store', payload: { owner_id: this.me.id, owner: this.me.name, nonce, ciphertext, ts } })
      if (ack?.kind === 'stash:ack' && (ack.payload as StashAckPayload).success) this.holders.set(peer.id, peer.name)
      else this.core.flag('stash_confidant_declined')
    }
    this.emit()
    return this.holders.size ? { ok: true, confidants: [...this.holders.values()] } : { ok: false, reason: 'no confidant took our stash' }
  }

  /** Asks online peers for our stash until one has it (after a restart, when nobody pushed it yet). */
  async recover(): Promise<boolean> {
    for (const peer of this.host.candidates()) {
      if (this.data) return true
      const r = await this.call(peer.id, { kind: 'stash:request', payload: { owner_id: this.me.id } })
      if (r?.kind === 'stash:response') this.accept(r.payload as StashResponsePayload, r)
    }
    return this.data !== null
  }

  private async call(toId: string, p: RuntimePayload): Promise<RuntimeMessage | null> {
    const m = this.message(p, toId)
    const reply = new Promise<RuntimeMessage | null>((resolve) => {
      const timer = setTimeout(() => {
        this.calls.delete(m.id)
        resolve(null)
      }, this.callTimeoutMs)
      this.calls.set(m.id, (r) => {
        clearTimeout(timer)
        this.calls.delete(m.id)
        resolve(r)
      })
    })
    if (!(await this.host.send(toId, m).catch(() => false))) {
      this.calls.get(m.id)?.(null)
      return null
    }
    return reply
  }

  /** A stash handed back to us: kept when it opens with our key and we have none yet. */
  private accept(p: StashResponsePayload, m: RuntimeMessage): void {
    if (p.owner_id !== this.me.id) return this.drop('response_not_ours', m.from_id)
    if (!p.found || !p.nonce || !p.ciphertext) return
    if (this.data) return
    const plain = openStash(this.host.seed(), p.nonce, p.ciphertext)
    if (!plain) return this.drop('undecryptable', m.from ?? m.from_id)
    this.data = Buffer.from(plain)
    this.dataTs = p.stored_at ?? 0
    this.recoveredFrom = m.from ?? this.core.neighbourhood.nameOfId(m.from_id) ?? m.from_id
    this.holders.set(m.from_id, this.recoveredFrom)
    this.core.lifecycle('online', `stash recovered from ${this.recoveredFrom}`)
    this.emit()
  }

  // ---------------------------------------------------------------------------------------
  // Incoming (POST /mesh/message, or the plaza's stash_refresh)

  receive(m: RuntimeMessage): void {
    const c = this.core
    if (m.version !== 1) return this.drop('bad_version', `${m.kind} v${m.version}`)
    if (this.seen.has(m.id)) return this.drop('duplicate_message', m.id)
    const at = Date.parse(m.timestamp)
    if (!Number.isFinite(at) || Math.abs(c.clock.nowMs() - at) > MESSAGE_WINDOW_MS) return this.drop('stale_message', m.timestamp)
    if (m.to_id && m.to_id !== this.me.id) return this.drop('not_for_us', m.to_id)
    const key = m.from_id === this.me.id ? null : c.neighbourhood.keyOfId(m.from_id)
    if (!key) {
      if (m.from_id === this.me.id || this.waiting.some((w) => w.m.id === m.id)) return this.drop('unknown_sender', m.from_id)
      this.waiting.push({ m, untilMs: c.clock.nowMs() + UNKNOWN_SENDER_WAIT_MS })
      if (this.waiting.length > UNKNOWN_SENDER_KEPT) this.drop('unknown_sender', this.waiting.shift()!.m.from_id)
      return
    }
    if (!verifyRuntimeMessage(m, key)) return this.drop('bad_signature', m.from_id)
    this.seen.add(m.id)
    if (this.seen.size > SEEN_IDS_KEPT) this.seen.delete(this.seen.values().next().value as string)
    const pending = m.in_reply_to ? this.calls.get(m.in_reply_to) : undefined
    if (pending) return pending(m)
    switch (m.kind) {
      case 'stash:store':
        return this.onStore(m)
      case 'stash:request':
        return this.reply(m, { kind: 'stash:response', payload: this.responseFor(m.payload.owner_id, m.payload.request_id) })
      case 'stash:response':
        return this.accept(m.payload, m)
      case 'stash-refresh':
        return this.pushTo(m.payload.owner_id)
      case 'stash:ack':
        return this.drop('unexpected_ack', m.from_id)
    }
  }

  /** Called on every node tick: messages whose sender we have come to know are handled now. */
  tick(): void {
    if (this.waiting.length === 0) return
    const now = this.core.clock.nowMs()
    const still: typeof this.waiting = []
    const ready: RuntimeMessage[] = []
    for (const w of this.waiting) {
      if (this.core.neighbourhood.keyOfId(w.m.from_id)) ready.push(w.m)
      else if (now < w.untilMs) still.push(w)
      else this.drop('unknown_sender', w.m.from_id)
    }
    this.waiting = still
    for (const m of ready) this.receive(m)
  }

  private onStore(m: RuntimeMessage & { kind: 'stash:store' }): void {
    const p = m.payload
    const refuse = (reason: string, told: string): void => {
      this.drop(reason, `${m.from ?? m.from_id}: ${told}`)
      this.reply(m, { kind: 'stash:ack', payload: { owner_id: p.owner_id, stored_at: this.nowSec(), success: false, reason: told } })
    }
    // Stricter than Go (which stores for any owner_id): only the owner may store its stash.
    if (p.owner_id !== m.from_id) return refuse('owner_mismatch', 'only the owner may store its stash')
    if (p.nonce.length !== STASH_NONCE_BYTES) return refuse('invalid', 'nonce must be 24 bytes for XChaCha20-Poly1305')
    if (p.ciphertext.length === 0) return refuse('invalid', 'ciphertext required')
    if (p.ciphertext.length > MAX_STASH_BYTES) return refuse('too_large', `stash larger than ${MAX_STASH_BYTES} bytes`)
    const prev = this.held.get(p.owner_id)
    if (prev && p.ts <= prev.ts) return refuse('replayed', 'not newer than the stash we hold')
    const bytesAfter = this.heldBytes - (prev?.ciphertext.length ?? 0) + p.ciphertext.length
    if ((!prev && this.held.size >= ownerLimit(this.host.memoryMode())) || bytesAfter > HOLD_BUDGET_BYTES) return refuse('over_budget', 'storage limit reached')
    this.held.set(p.owner_id, { owner: p.owner ?? m.from ?? '', nonce: p.nonce, ciphertext: p.ciphertext, ts: p.ts, storedAtSec: this.nowSec() })
    this.heldBytes = bytesAfter
    this.reply(m, { kind: 'stash:ack', payload: { owner_id: p.owner_id, stored_at: this.nowSec(), success: true } })
    this.emit()
  }

  private responseFor(ownerId: string, requestId?: string): StashResponsePayload {
    const h = this.held.get(ownerId)
    const r: StashResponsePayload = { owner_id: ownerId, found: !!h }
    if (requestId) r.request_id = requestId
    if (h) Object.assign(r, { nonce: h.nonce, ciphertext: h.ciphertext, stored_at: h.storedAtSec })
    return r
  }

  private reply(to: RuntimeMessage, p: RuntimePayload): void {
    void this.host.send(to.from_id, this.message(p, to.from_id, to.id)).catch(() => false)
  }

  /** Go pushes a held stash back when its owner says hey_there (presence.md §2 step 4). */
  pushTo(ownerId: string): void {
    if (!this.held.has(ownerId) || this.core.config.readOnly) return
    void this.host.send(ownerId, this.message({ kind: 'stash:response', payload: this.responseFor(ownerId) }, ownerId)).catch(() => false)
  }

  get hasStash(): boolean {
    return this.data !== null
  }

  view(): StashView {
    return {
      hasStash: this.data !== null,
      bytes: this.data?.length ?? 0,
      updatedAt: this.dataTs,
      recoveredFrom: this.recoveredFrom,
      heldBy: [...this.holders.values()].sort(),
      holding: [...this.held.values()].map((h) => ({ owner: h.owner, bytes: h.ciphertext.length, storedAt: h.storedAtSec })).sort((a, b) => a.owner.localeCompare(b.owner)),
      holdingBytes: this.heldBytes,
      budgetBytes: HOLD_BUDGET_BYTES,
      ownerLimit: ownerLimit(this.host.memoryMode())
    }
  }

  private emit(): void {
    this.host.emit(this.view())
  }
}
