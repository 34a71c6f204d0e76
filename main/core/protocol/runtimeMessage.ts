/**
 * Runtime messages on POST /mesh/message (zines-and-mesh.md §8, Go `runtime/message.go`) and the
 * stash payloads they carry (Go `messages/stash.go`). Receivers re-marshal what they decoded to
 * check a signature, so every payload is written exactly as Go's structs marshal: field order,
 * omitempty, []byte as Base64, HTML-escaped strings, and a UTC timestamp Go re-emits unchanged.
 */
import { base58Encode } from './base58'
import { bool, catchDecode, fail, fields, int, object, optStr, parseOrValue, shape, str } from './codec-fields'
import { decodeBase64Strict, ed25519Verify, parseSignature, sha256, type Signer } from './crypto'
import { goBool, goInt, goObject, goQuote, omitInt, omitStr } from './gojson'
import type { Result } from '../result'

export const MAX_RUNTIME_MESSAGE_BYTES = 256 * 1024

export interface StashStorePayload {
  owner_id: string
  owner?: string
  nonce: Buffer
  ciphertext: Buffer
  /** Unix seconds. */
  ts: number
}
export interface StashAckPayload {
  owner_id: string
  stored_at: number
  success: boolean
  reason?: string
}
export interface StashRequestPayload {
  owner_id: string
  request_id?: string
}
export interface StashResponsePayload {
  owner_id: string
  request_id?: string
  found: boolean
  nonce?: Buffer
  ciphertext?: Buffer
  stored_at?: number
}
export interface StashRefreshPayload {
  owner_id: string
  owner?: string
}

export type RuntimePayload =
  | { kind: 'stash:store'; payload: StashStorePayload }
  | { kind: 'stash:ack'; payload: StashAckPayload }
  | { kind: 'stash:request'; payload: StashRequestPayload }
  | { kind: 'stash:response'; payload: StashResponsePayload }
  | { kind: 'stash-refresh'; payload: StashRefreshPayload }

export type RuntimeKind = RuntimePayload['kind']

export type RuntimeMessage = RuntimePayload & {
  id: string
  version: number
  from?: string
  from_id: string
  to?: string
  to_id?: string
  /** RFC 3339 as it travels (UTC, trailing zeros trimmed). */
  timestamp: string
  signature?: Buffer
  in_reply_to?: string
}

const b64 = (b: Buffer): string => goQuote(b.toString('base64'))
const omitBytes = (b: Buffer | undefined): string | undefined => (b && b.length ? b64(b) : undefined)

/** The payload exactly as Go's struct marshals. */
export function encodeRuntimePayload(p: RuntimePayload): string {
  switch (p.kind) {
    case 'stash:store': {
      const s = p.payload
      return goObject([['owner_id', goQuote(s.owner_id)], ['owner', omitStr(s.owner)], ['nonce', b64(s.nonce)], ['ciphertext', b64(s.ciphertext)], ['ts', goInt(s.ts)]])
    }
    case 'stash:ack': {
      const s = p.payload
      return goObject([['owner_id', goQuote(s.owner_id)], ['stored_at', goInt(s.stored_at)], ['success', goBool(s.success)], ['reason', omitStr(s.reason)]])
    }
    case 'stash:request':
      return goObject([['owner_id', goQuote(p.payload.owner_id)], ['request_id', omitStr(p.payload.request_id)]])
    case 'stash:response': {
      const s = p.payload
      return goObject([
        ['owner_id', goQuote(s.owner_id)],
        ['request_id', omitStr(s.request_id)],
        ['found', goBool(s.found)],
        ['nonce', omitBytes(s.nonce)],
        ['ciphertext', omitBytes(s.ciphertext)],
        ['stored_at', omitInt(s.stored_at)]
      ])
    }
    case 'stash-refresh':
      return goObject([['owner_id', goQuote(p.payload.owner_id)], ['owner', omitStr(p.payload.owner)]])
  }
}

/** Go `time.Time` JSON for a UTC instant in ms: `2026-01-19T05:20:00.123Z`, no fraction when whole. */
export function goTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString() // always .sssZ
  return iso.replace(/\.(\d*?)0*Z$/, (_, frac: string) => (frac ? `.${frac}Z` : 'Z'))
}

/** First 16 chars of Base58(SHA-256(kind ‖ from_id ‖ timestamp ‖ payload JSON)). */
export function runtimeMessageId(kind: string, fromId: string, timestamp: string, payloadJson: string): string {
  return base58Encode(sha256(kind + fromId + timestamp + payloadJson)).slice(0, 16)
}

export function signableContent(m: Pick<RuntimeMessage, 'id' | 'kind' | 'from_id' | 'to_id' | 'timestamp'> & RuntimePayload): string {
  return goObject([
    ['id', goQuote(m.id)],
    ['kind', goQuote(m.kind)],
    ['from_id', goQuote(m.from_id)],
    ['to_id', omitStr(m.to_id)],
    ['timestamp', goQuote(m.timestamp)],
    ['payload', encodeRuntimePayload(m)]
  ])
}

export interface NewRuntimeMessage {
  from: string
  fromId: string
  to?: string
  toId?: string
  atMs: number
  inReplyTo?: string
}

/** A signed message with its ID computed (Go `Emit`: ID stage, then the default sign stage). */
export function buildRuntimeMessage(p: RuntimePayload, o: NewRuntimeMessage, signer: Signer): RuntimeMessage {
  const timestamp = goTimestamp(o.atMs)
  const id = runtimeMessageId(p.kind, o.fromId, timestamp, encodeRuntimePayload(p))
  const m = { ...p, id, version: 1, from: o.from, from_id: o.fromId, to: o.to, to_id: o.toId, timestamp, in_reply_to: o.inReplyTo } as RuntimeMessage
  m.signature = signer.sign(signableContent(m))
  return m
}

export function encodeRuntimeMessage(m: RuntimeMessage): string {
  return goObject([
    ['id', goQuote(m.id)],
    ['kind', goQuote(m.kind)],
    ['version', goInt(m.version)],
    ['from', omitStr(m.from)],
    ['from_id', goQuote(m.from_id)],
    ['to', omitStr(m.to)],
    ['to_id', omitStr(m.to_id)],
    ['timestamp', goQuote(m.timestamp)],
    ['payload', encodeRuntimePayload(m)],
    ['signature', omitBytes(m.signature)],
    ['in_reply_to', omitStr(m.in_reply_to)]
  ])
}

export function verifyRuntimeMessage(m: RuntimeMessage, publicKey: Uint8Array): boolean {
  if (!m.signature || m.signature.length !== 64) return false
  return ed25519Verify(publicKey, signableContent(m), m.signature)
}

const MESSAGE = shape(['id', 'content_key', 'kind', 'version', 'from', 'from_id', 'to', 'to_id', 'timestamp', 'payload', 'signature', 'in_reply_to'])
const P_STORE = shape(['owner_id', 'owner', 'nonce', 'ciphertext', 'ts'])
const P_ACK = shape(['owner_id', 'stored_at', 'success', 'reason'])
const P_REQUEST = shape(['owner_id', 'request_id'])
const P_RESPONSE = shape(['owner_id', 'request_id', 'found', 'nonce', 'ciphertext', 'stored_at'])
const P_REFRESH = shape(['owner_id', 'owner'])

function bytes(v: unknown, path: string): Buffer {
  const s = str(v, path)
  if (s === '') return Buffer.alloc(0)
  const b = decodeBase64Strict(s)
  if (!b) fail('bad_base64', `${path}: not Base64`)
  return b
}

function optBytes(v: unknown, path: string): Buffer | undefined {
  const b = bytes(v, path)
  return b.length ? b : undefined
}

function decodePayload(kind: string, raw: unknown): RuntimePayload {
  const o = object(raw, 'payload')
  const withOpt = <T extends object>(base: T, extra: Record<string, unknown>): T => {
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (base as Record<string, unknown>)[k] = v
    return base
  }
  switch (kind) {
    case 'stash:store': {
      const f = fields(o, P_STORE)
      return { kind, payload: withOpt({ owner_id: str(f.owner_id, 'owner_id'), nonce: bytes(f.nonce, 'nonce'), ciphertext: bytes(f.ciphertext, 'ciphertext'), ts: int(f.ts ?? 0, 'ts') }, { owner: optStr(f.owner, 'owner') }) }
    }
    case 'stash:ack': {
      const f = fields(o, P_ACK)
      return { kind, payload: withOpt({ owner_id: str(f.owner_id, 'owner_id'), stored_at: int(f.stored_at ?? 0, 'stored_at'), success: bool(f.success ?? false, 'success') }, { reason: optStr(f.reason, 'reason') }) }
    }
    case 'stash:request': {
      const f = fields(o, P_REQUEST)
      return { kind, payload: withOpt({ owner_id: str(f.owner_id, 'owner_id') }, { request_id: optStr(f.request_id, 'request_id') }) }
    }
    case 'stash:response': {
      const f = fields(o, P_RESPONSE)
      const storedAt = int(f.stored_at ?? 0, 'stored_at')
      return {
        kind,
        payload: withOpt({ owner_id: str(f.owner_id, 'owner_id'), found: bool(f.found ?? false, 'found') }, {
          request_id: optStr(f.request_id, 'request_id'),
          nonce: optBytes(f.nonce, 'nonce'),
          ciphertext: optBytes(f.ciphertext, 'ciphertext'),
          stored_at: storedAt || undefined
        })
      }
    }
    case 'stash-refresh': {
      const f = fields(o, P_REFRESH)
      return { kind, payload: withOpt({ owner_id: str(f.owner_id, 'owner_id') }, { owner: optStr(f.owner, 'owner') }) }
    }
    default:
      return fail('unknown_kind', `unknown message kind ${JSON.stringify(kind).slice(0, 40)}`)
  }
}

export function decodeRuntimeMessage(input: unknown): Result<RuntimeMessage> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_RUNTIME_MESSAGE_BYTES }), 'message'), MESSAGE)
    const kind = str(f.kind, 'kind')
    const p = decodePayload(kind, f.payload)
    const timestamp = str(f.timestamp, 'timestamp')
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(timestamp)) fail('invalid', 'timestamp: not RFC 3339')
    const m = { ...p, id: str(f.id, 'id'), version: int(f.version ?? 0, 'version'), from_id: str(f.from_id, 'from_id'), timestamp } as RuntimeMessage
    const from = optStr(f.from, 'from')
    if (from !== undefined) m.from = from
    const to = optStr(f.to, 'to')
    if (to !== undefined) m.to = to
    const toId = optStr(f.to_id, 'to_id')
    if (toId !== undefined) m.to_id = toId
    const reply = optStr(f.in_reply_to, 'in_reply_to')
    if (reply !== undefined) m.in_reply_to = reply
    const sig = optStr(f.signature, 'signature')
    if (sig !== undefined) {
      const s = parseSignature(sig)
      if (!s) fail('bad_signature', 'signature: not a Base64 64-byte signature')
      m.signature = Buffer.from(s)
    }
    return m
  })
}
