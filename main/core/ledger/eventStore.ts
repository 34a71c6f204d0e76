/**
 * Where the ledger keeps its events: packed, not as objects. Each event has a slot; the slot's
 * id, ts, service, pruning priority and the names the indexes and filters need are typed-array
 * columns, the rest is a packed record (`eventRecord.ts`) in one byte arena. Event objects are
 * built on demand; for the most recent `hotWindow` events the object, once built, is kept:
 * they are what zines, listeners and views ask for again and again, and a stable object lets
 * the zine encoder reuse its bytes. Slots are reused; insertion order is a linked list over them.
 *
 * Memory per event ≈ 50 B of columns, ≈ 22 B of id index and the record (≈ 20–150 B) against
 * ≈ 460 B for an event object with its strings and a Map entry.
 */
import { SERVICES, type Service, type SyncEvent } from '../protocol/types'
import { actorAndTarget, involvedNames, pruningPriority, type PruningPriority } from './eventRules'
import { IdIndex } from './idIndex'
import { RecordReader, RecordWriter, writeRecord } from './eventRecord'
import { StringTable } from './stringTable'

const SERVICE_CODE = new Map<Service, number>(SERVICES.map((s, i) => [s, i + 1]))
const FREE = 0
const NONE = -1

/** One byte per slot: pruning priority (bits 0–2) and whether it is a restart observation. */
const PRIORITY_MASK = 0b111
const RESTART = 1 << 3
/** `involvedNames` as up to three 2-bit picks of a name column, first pick lowest; 0 ends the list. */
const PICK_ACTOR = 1
const PICK_TARGET = 2
const PICK_OTHER = 3

export const DEFAULT_HOT_WINDOW = 8192

export class EventStore {
  readonly strings = new StringTable()
  private readonly ids = new IdIndex()
  private readonly writer = new RecordWriter()
  private readonly reader = new RecordReader(this.strings)

  private capacity = 0
  private svc = new Uint8Array(0)
  private flags = new Uint8Array(0)
  private involved = new Uint8Array(0)
  private ts = new BigInt64Array(0)
  private offset = new Uint32Array(0)
  /**
   * String-table numbers (-1 for none or '') of the event's actor and target (`eventSubjects`,
   * what the subject filters match) and of an involved name that is neither (a social witness).
   */
  private actor = new Int32Array(0)
  private target = new Int32Array(0)
  private other = new Int32Array(0)
  private prev = new Int32Array(0)
  private next = new Int32Array(0)
  private head = NONE
  private tail = NONE
  private readonly free: number[] = []
  private highWater = 0

  private arena = Buffer.alloc(0)
  private arenaUsed = 0
  private arenaGarbage = 0

  /** Recent slots: their object once built (null until first asked for). */
  private readonly hot = new Map<number, SyncEvent | null>()
  private readonly hotRing: Int32Array
  private hotCursor = 0

  /**
   * `expectedSize`: how many events the owner means to keep (its capacity); columns grow by
   * doubling up to it and slowly beyond, so a full ledger carries little unused room.
   */
  constructor(hotWindow = DEFAULT_HOT_WINDOW, private readonly expectedSize = 1024) {
    this.hotRing = new Int32Array(Math.max(hotWindow, 0)).fill(NONE)
  }

  get size(): number {
    return this.ids.size
  }

  /** Slot of the stored event with `id`, or -1. */
  find(id: string): number {
    return this.ids.find(id)
  }

  /** Packs `e` (a valid event, id not yet stored) into a free slot; returns the slot. */
  put(e: SyncEvent): number {
    const slot = this.free.pop() ?? this.newSlot()
    this.writer.reset()
    writeRecord(this.writer, e, this.strings)
    const n = this.writer.pos
    const at = this.alloc(n)
    this.offset[slot] = at
    // A record is a few dozen to a few hundred bytes: a plain loop beats Buffer#copy, which
    // makes a view object per call.
    const from = this.writer.buf
    const arena = this.arena
    for (let i = 0; i < n; i++) arena[at + i] = from[i]!
    this.svc[slot] = SERVICE_CODE.get(e.svc)!
    this.ts[slot] = e.ts
    const { actor, target } = actorAndTarget(e)
    this.actor[slot] = this.number(actor)
    this.target[slot] = this.number(target)
    this.other[slot] = NONE
    this.flags[slot] = pruningPriority(e) | (e.svc === 'observation' && e.observation.type === 'restart' ? RESTART : 0)
    let picks = 0
    // involvedNames gives at most three names, at most one beyond actor and target (a social witness).
    involvedNames(e).forEach((name, i) => {
      let pick = PICK_OTHER
      if (name === actor) pick = PICK_ACTOR
      else if (name === target) pick = PICK_TARGET
      else this.other[slot] = this.number(name)
      picks |= pick << (2 * i)
    })
    this.involved[slot] = picks
    this.ids.insert(slot, e.id)
    this.link(slot)
    if (this.hotRing.length > 0) {
      const evicted = this.hotRing[this.hotCursor]!
      if (evicted !== NONE) this.hot.delete(evicted)
      this.hotRing[this.hotCursor] = slot
      this.hotCursor = (this.hotCursor + 1) % this.hotRing.length
      this.hot.set(slot, null)
    }
    return slot
  }

  /** The stored event at a live slot: one kept object while it is recent, else built afresh. */
  event(slot: number): SyncEvent {
    const kept = this.hot.get(slot)
    if (kept) return kept
    const e = this.decode(slot)
    if (kept === null) this.hot.set(slot, e)
    return e
  }

  remove(slot: number): void {
    const at = this.offset[slot]!
    this.arenaGarbage += this.reader.release(this.arena, at, this.serviceAt(slot)) - at
    this.ids.remove(slot)
    this.unlink(slot)
    this.svc[slot] = FREE
    this.hot.delete(slot)
    this.free.push(slot)
  }

  serviceAt(slot: number): Service {
    return SERVICES[this.svc[slot]! - 1]!
  }

  tsAt(slot: number): bigint {
    return this.ts[slot]!
  }

  priorityAt(slot: number): PruningPriority {
    return (this.flags[slot]! & PRIORITY_MASK) as PruningPriority
  }

  /** A restart observation (read without building the event). */
  isRestartAt(slot: number): boolean {
    return (this.flags[slot]! & RESTART) !== 0
  }

  /** The event's actor and target as string-table numbers (-1 for none), for subject filters. */
  actorAt(slot: number): number {
    return this.actor[slot]!
  }

  targetAt(slot: number): number {
    return this.target[slot]!
  }

  /** What `involvedNames` gives for the event, in its order and with its repeats, without building it. */
  involvedAt(slot: number): string[] {
    const out: string[] = []
    for (let picks = this.involved[slot]!; picks !== 0; picks >>= 2) {
      const pick = picks & 0b11
      out.push(this.nameAt(pick === PICK_ACTOR ? this.actor[slot]! : pick === PICK_TARGET ? this.target[slot]! : this.other[slot]!))
    }
    return out
  }

  private nameAt(i: number): string {
    return i === NONE ? '' : this.strings.at(i)
  }

  /** Live slots in insertion order. */
  *slots(): Generator<number> {
    for (let s = this.head; s !== NONE; s = this.next[s]!) yield s
  }

  /** Live slots in insertion order, as an array (safe to remove while walking it). */
  slotList(): number[] {
    const out: number[] = []
    for (let s = this.head; s !== NONE; s = this.next[s]!) out.push(s)
    return out
  }

  private number(name: string | undefined): number {
    return name ? this.strings.find(name) : NONE
  }

  private decode(slot: number): SyncEvent {
    return this.reader.read(this.arena, this.offset[slot]!, this.ids.idAt(slot), this.ts[slot]!, this.serviceAt(slot))
  }

  private newSlot(): number {
    if (this.highWater === this.capacity) {
      // Up to the expected size by doubling, then by a quarter at a time (observations may exceed it).
      const c = this.capacity
      this.grow(c < this.expectedSize ? Math.min(Math.max(1024, c * 2), this.expectedSize) : Math.ceil(c * 1.25) + 1024)
    }
    return this.highWater++
  }

  private grow(capacity: number): void {
    const widen = <T extends { length: number; set(a: T): void }>(a: T, make: (n: number) => T): T => {
      const b = make(capacity)
      b.set(a)
      return b
    }
    this.svc = widen(this.svc, (n) => new Uint8Array(n))
    this.flags = widen(this.flags, (n) => new Uint8Array(n))
    this.involved = widen(this.involved, (n) => new Uint8Array(n))
    this.ts = widen(this.ts, (n) => new BigInt64Array(n))
    this.offset = widen(this.offset, (n) => new Uint32Array(n))
    this.actor = widen(this.actor, (n) => new Int32Array(n))
    this.target = widen(this.target, (n) => new Int32Array(n))
    this.other = widen(this.other, (n) => new Int32Array(n))
    this.prev = widen(this.prev, (n) => new Int32Array(n))
    this.next = widen(this.next, (n) => new Int32Array(n))
    this.ids.growSlots(capacity)
    this.capacity = capacity
  }

  private link(slot: number): void {
    this.prev[slot] = this.tail
    this.next[slot] = NONE
    if (this.tail === NONE) this.head = slot
    else this.next[this.tail] = slot
    this.tail = slot
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!
    const n = this.next[slot]!
    if (p === NONE) this.head = n
    else this.next[p] = n
    if (n === NONE) this.tail = p
    else this.prev[n] = p
  }

  /** Room for `n` bytes at the arena's end; compacts first when half of it is garbage. */
  private alloc(n: number): number {
    if (this.arenaUsed + n > this.arena.length) {
      if (this.arenaGarbage * 2 >= this.arenaUsed) this.compactArena(n)
      if (this.arenaUsed + n > this.arena.length) {
        const bigger = Buffer.alloc(Math.max(64 * 1024, Math.ceil(this.arena.length * 1.25), this.arenaUsed + n))
        this.arena.copy(bigger, 0, 0, this.arenaUsed)
        this.arena = bigger
      }
    }
    const at = this.arenaUsed
    this.arenaUsed += n
    return at
  }

  /** Moves every live record to the front of a right-sized arena, in insertion order. */
  private compactArena(incoming: number): void {
    const live = this.arenaUsed - this.arenaGarbage
    const fresh = Buffer.alloc(Math.max(64 * 1024, Math.ceil((live + incoming) * 1.5)))
    let at = 0
    for (let s = this.head; s !== NONE; s = this.next[s]!) {
      const from = this.offset[s]!
      const n = this.reader.end(this.arena, from, this.serviceAt(s)) - from
      this.arena.copy(fresh, at, from, from + n)
      this.offset[s] = at
      at += n
    }
    this.arena = fresh
    this.arenaUsed = at
    this.arenaGarbage = 0
  }
}
