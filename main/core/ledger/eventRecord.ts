/**
 * The packed form of one stored event: its emitter, signature and payload as a run of tagged
 * values (the id, ts and service live in the store's columns). Names and keys become numbers
 * in the shared string table; signatures become their raw bytes when they are canonical
 * Base64; whole numbers become varints. Anything of an unexpected type is kept as JSON, so
 * every value decodes to exactly what was stored, with the same fields present.
 */
import { PAYLOAD_KEY, payloadOf } from '../protocol/events'
import type { Service, SyncEvent } from '../protocol/types'
import type { StringTable } from './stringTable'
import { canonicalBase64Length, decodeCanonicalBase64Into } from '../protocol/base64'

/** How a field's string value is kept: shared through the table, or inline (one-off). */
type FieldKind = 'shared' | 'inline' | 'value'

interface Field {
  readonly key: string
  readonly kind: FieldKind
  /** For a nested object: its own fields. */
  readonly nested?: readonly Field[]
}

const shared = (key: string): Field => ({ key, kind: 'shared' })
const inline = (key: string): Field => ({ key, kind: 'inline' })
const value = (key: string): Field => ({ key, kind: 'value' })

const NARA_OBSERVATION: readonly Field[] = [
  value('restarts'), value('total_uptime'), value('start_time'), shared('online'), value('last_seen'), value('last_restart'),
  shared('cluster_name'), shared('cluster_emoji'), value('last_ping_rtt'), value('avg_ping_rtt'), value('last_ping_time')
]

/** Payload fields per service, in declaration order (the order a decoded event has them in). */
const PAYLOAD_FIELDS: Readonly<Record<Service, readonly Field[]>> = {
  social: [shared('type'), shared('actor'), shared('actor_id'), shared('target'), shared('target_id'), shared('reason'), shared('witness')],
  ping: [shared('observer'), shared('observer_id'), shared('target'), shared('target_id'), value('rtt')],
  observation: [
    shared('observer'), shared('observer_id'), shared('subject'), shared('subject_id'), shared('type'), value('importance'),
    value('is_backfill'), value('start_time'), value('restart_num'), value('last_restart'), shared('online_state'),
    shared('cluster_name'), value('observer_uptime')
  ],
  'hey-there': [shared('From'), shared('PublicKey'), shared('MeshIP'), shared('ID'), inline('Signature')],
  chau: [shared('From'), shared('PublicKey'), shared('ID'), inline('Signature')],
  seen: [shared('observer'), shared('observer_id'), shared('subject'), shared('subject_id'), shared('via')],
  checkpoint: [
    value('version'), shared('subject'), shared('subject_id'), inline('previous_checkpoint_id'),
    { key: 'observation', kind: 'value', nested: NARA_OBSERVATION }, value('as_of_time'), value('round'),
    shared('voter_ids'), inline('signatures')
  ]
}

const HEAD_FIELDS: readonly Field[] = [shared('emitter'), shared('emitter_id'), inline('sig')]

const enum Tag {
  Absent = 0,
  Shared = 1,
  Text = 2,
  Base64 = 3,
  Uint = 4,
  NegInt = 5,
  Float = 6,
  True = 7,
  False = 8,
  Array = 9,
  Object = 10,
  Empty = 11,
  Json = 12
}

const isWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed

/** A growable byte buffer the encoder writes one record into. */
export class RecordWriter {
  buf = Buffer.allocUnsafe(512)
  pos = 0

  reset(): void {
    this.pos = 0
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  byte(b: number): void {
    this.room(1)
    this.buf[this.pos++] = b
  }

  varint(n: number): void {
    this.room(8)
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    this.buf[this.pos++] = n
  }

  float(n: number): void {
    this.room(8)
    this.buf.writeDoubleLE(n, this.pos)
    this.pos += 8
  }

  /** A length-prefixed UTF-8 string (callers make sure it is well formed). */
  utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8')
    this.varint(n)
    this.room(n)
    this.pos += this.buf.write(s, this.pos, n, 'utf8')
  }

  /** Writes `s` as raw bytes when it is canonical Base64 (so it reads back as the same text), else returns false. */
  base64(s: string): boolean {
    const n = s === '' ? -1 : canonicalBase64Length(s)
    if (n < 0) return false
    const start = this.pos
    this.byte(Tag.Base64)
    this.varint(n)
    this.room(n)
    if (decodeCanonicalBase64Into(s, this.buf, this.pos) !== n) {
      this.pos = start
      return false
    }
    this.pos += n
    return true
  }
}

function writeString(w: RecordWriter, s: string, kind: FieldKind, table: StringTable): void {
  if (s === '') return w.byte(Tag.Empty)
  if (kind === 'shared') {
    w.byte(Tag.Shared)
    return w.varint(table.acquire(s))
  }
  if (w.base64(s)) return
  if (isWellFormed && !isWellFormed.call(s)) return writeJson(w, s)
  w.byte(Tag.Text)
  w.utf8(s)
}

function writeJson(w: RecordWriter, v: unknown): void {
  w.byte(Tag.Json)
  w.utf8(JSON.stringify(v))
}

function writeValue(w: RecordWriter, v: unknown, kind: FieldKind, table: StringTable, nested?: readonly Field[]): void {
  switch (typeof v) {
    case 'undefined':
      return w.byte(Tag.Absent)
    case 'string':
      return writeString(w, v, kind, table)
    case 'boolean':
      return w.byte(v ? Tag.True : Tag.False)
    case 'number':
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
        w.byte(v >= 0 ? Tag.Uint : Tag.NegInt)
        return w.varint(Math.abs(v))
      }
      w.byte(Tag.Float)
      return w.float(v)
  }
  if (Array.isArray(v)) {
    w.byte(Tag.Array)
    w.varint(v.length)
    for (const item of v) writeValue(w, item, kind, table)
    return
  }
  if (nested && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    w.byte(Tag.Object)
    writeFields(w, v as Record<string, unknown>, nested, table)
    return
  }
  writeJson(w, v)
}

function writeFields(w: RecordWriter, obj: Record<string, unknown>, fields: readonly Field[], table: StringTable): void {
  for (const f of fields) writeValue(w, obj[f.key], f.kind, table, f.nested)
}

/** Appends the packed head and payload of `e` (a valid event) to `w`, taking string references. */
export function writeRecord(w: RecordWriter, e: SyncEvent, table: StringTable): void {
  writeFields(w, e as unknown as Record<string, unknown>, HEAD_FIELDS, table)
  writeFields(w, payloadOf(e) as unknown as Record<string, unknown>, PAYLOAD_FIELDS[e.svc], table)
}

/** Reads records back out of a buffer. One instance per store; not re-entrant. */
export class RecordReader {
  buf: Buffer = Buffer.alloc(0)
  pos = 0

  constructor(private readonly table: StringTable) {}

  private varint(): number {
    let n = 0
    let scale = 1
    for (;;) {
      const b = this.buf[this.pos++]!
      n += (b & 0x7f) * scale
      if (b < 0x80) return n
      scale *= 0x80
    }
  }

  private text(): string {
    const n = this.varint()
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  private value(nested?: readonly Field[]): unknown {
    const tag = this.buf[this.pos++] as Tag
    switch (tag) {
      case Tag.Absent: return undefined
      case Tag.Shared: return this.table.at(this.varint())
      case Tag.Text: return this.text()
      case Tag.Base64: {
        const n = this.varint()
        const s = this.buf.toString('base64', this.pos, this.pos + n)
        this.pos += n
        return s
      }
      case Tag.Uint: return this.varint()
      case Tag.NegInt: return -this.varint()
      case Tag.Float: {
        const v = this.buf.readDoubleLE(this.pos)
        this.pos += 8
        return v
      }
      case Tag.True: return true
      case Tag.False: return false
      case Tag.Array: {
        const n = this.varint()
        const out: unknown[] = []
        for (let i = 0; i < n; i++) out.push(this.value())
        return out
      }
      case Tag.Object: return this.fields(nested ?? [])
      case Tag.Empty: return ''
      case Tag.Json: return JSON.parse(this.text()) as unknown
    }
    throw new Error(`corrupt ledger record: tag ${tag as number} at ${this.pos - 1}`)
  }

  /** Sets only the fields that were present, in declaration order (one hidden class per shape). */
  private fields(fields: readonly Field[], out: Record<string, unknown> = {}): Record<string, unknown> {
    for (const f of fields) {
      const v = this.value(f.nested)
      if (v !== undefined) out[f.key] = v
    }
    return out
  }

  /** The event whose record starts at `at`; id, ts and svc come from the store's columns. */
  read(buf: Buffer, at: number, id: string, ts: bigint, svc: Service): SyncEvent {
    this.buf = buf
    this.pos = at
    const e = this.fields(HEAD_FIELDS, { id, ts, svc })
    e[PAYLOAD_KEY[svc]] = this.fields(PAYLOAD_FIELDS[svc])
    return e as unknown as SyncEvent
  }

  /** Returns every string reference the record at `at` holds to the table; gives the record's end. */
  release(buf: Buffer, at: number, svc: Service): number {
    return this.walk(buf, at, svc, true)
  }

  /** Where the record at `at` ends. */
  end(buf: Buffer, at: number, svc: Service): number {
    return this.walk(buf, at, svc, false)
  }

  private walk(buf: Buffer, at: number, svc: Service, release: boolean): number {
    this.buf = buf
    this.pos = at
    this.skipFields(HEAD_FIELDS, release)
    this.skipFields(PAYLOAD_FIELDS[svc], release)
    return this.pos
  }

  private skipFields(fields: readonly Field[], release: boolean): void {
    for (const f of fields) this.skipValue(release, f.nested)
  }

  private skipValue(release: boolean, nested?: readonly Field[]): void {
    const tag = this.buf[this.pos++] as Tag
    switch (tag) {
      case Tag.Shared: {
        const i = this.varint()
        if (release) this.table.release(i)
        return
      }
      case Tag.Text:
      case Tag.Base64:
      case Tag.Json: {
        const n = this.varint()
        this.pos += n
        return
      }
      case Tag.Uint:
      case Tag.NegInt:
        this.varint()
        return
      case Tag.Float:
        this.pos += 8
        return
      case Tag.Array: {
        const n = this.varint()
        for (let i = 0; i < n; i++) this.skipValue(release)
        return
      }
      case Tag.Object: return this.skipFields(nested ?? [], release)
      default:
    }
  }
}
