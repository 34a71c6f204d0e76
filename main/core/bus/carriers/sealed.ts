/**
 * The encryption overlay of the WebSocket carrier (RFC-0910 §5): every frame after the
 * handshake is XChaCha20-Poly1305 sealed under a per-session, per-direction key.
 *
 * Handshake (JSON text frames, before anything else):
 *   client → server  {"t":"hello","v":1,"pub":<X25519 public, Base64>[, "token":<token>]}
 *   server → client  {"t":"welcome","v":1,"pub":<X25519 public, Base64>}
 *   okm = HKDF-SHA256(ikm = X25519(shared), salt = UTF-8(token),
 *                     info = "nara-bus/1" ‖ clientPub ‖ serverPub, 64 bytes)
 *   client→server key = okm[0..32), server→client key = okm[32..64)
 * Then each side sends a sealed {"t":"ready"} first; a side that cannot open it closes (this is
 * where a wrong token, or a MITM without the token, fails).
 *
 * Sealed frame (binary): counter (u64 BE) ‖ ciphertext ‖ tag. The nonce is 16 zero bytes ‖
 * counter, never reused because each direction has its own key and the counter only grows.
 * The receiver accepts only counters above the last one it accepted (anything else is a replay),
 * and only frames that authenticate; both kinds of rejection are counted, and a rejected frame
 * does not move the counter, so the session survives an injected frame.
 * Browser-safe (@noble/ciphers, no Node imports).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'

export const HANDSHAKE_LABEL = 'nara-bus/1'
export const KEY_BYTES = 32

/** WebSocket close codes of the sealed handshake, shared by server and browser client. */
export const CLOSE_PROTOCOL = 4400
export const CLOSE_UNAUTHORIZED = 4401
export const CLOSE_HANDSHAKE_TIMEOUT = 4408
const COUNTER_BYTES = 8
const TAG_BYTES = 16

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function handshakeInfo(clientPub: Uint8Array, serverPub: Uint8Array): Uint8Array {
  const label = encoder.encode(HANDSHAKE_LABEL)
  const out = new Uint8Array(label.length + clientPub.length + serverPub.length)
  out.set(label, 0)
  out.set(clientPub, label.length)
  out.set(serverPub, label.length + clientPub.length)
  return out
}

export interface DirectionKeys {
  send: Uint8Array
  recv: Uint8Array
}

export function directionKeys(okm: Uint8Array, role: 'client' | 'server'): DirectionKeys {
  if (okm.length !== 2 * KEY_BYTES) throw new RangeError('need 64 bytes of key material')
  const c2s = okm.slice(0, KEY_BYTES)
  const s2c = okm.slice(KEY_BYTES, 2 * KEY_BYTES)
  return role === 'client' ? { send: c2s, recv: s2c } : { send: s2c, recv: c2s }
}

export type OpenFailure = 'short' | 'replayed' | 'tampered' | 'not_utf8'

export interface SealStats {
  sealed: number
  opened: number
  rejected: Record<OpenFailure, number>
}

export function newSealStats(): SealStats {
  return { sealed: 0, opened: 0, rejected: { short: 0, replayed: 0, tampered: 0, not_utf8: 0 } }
}

function nonceFor(counter: bigint): Uint8Array {
  const nonce = new Uint8Array(24)
  new DataView(nonce.buffer).setBigUint64(16, counter, false)
  return nonce
}

/** One session's sealing state: counters for both directions. */
export class SealedSession {
  private sendCounter = 0n
  /** The lowest counter still acceptable. */
  private recvCounter = 0n
  /** Pass a shared stats object to aggregate several sessions (a server's counters). */
  constructor(
    private readonly keys: DirectionKeys,
    readonly stats: SealStats = newSealStats()
  ) {}

  seal(text: string): Uint8Array {
    const counter = this.sendCounter++
    const ct = xchacha20poly1305(this.keys.send, nonceFor(counter)).encrypt(encoder.encode(text))
    const frame = new Uint8Array(COUNTER_BYTES + ct.length)
    new DataView(frame.buffer).setBigUint64(0, counter, false)
    frame.set(ct, COUNTER_BYTES)
    this.stats.sealed++
    return frame
  }

  open(frame: Uint8Array): { ok: true; text: string } | { ok: false; reason: OpenFailure } {
    const fail = (reason: OpenFailure): { ok: false; reason: OpenFailure } => {
      this.stats.rejected[reason]++
      return { ok: false, reason }
    }
    if (frame.length < COUNTER_BYTES + TAG_BYTES) return fail('short')
    const counter = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getBigUint64(0, false)
    if (counter < this.recvCounter) return fail('replayed')
    let plain: Uint8Array
    try {
      plain = xchacha20poly1305(this.keys.recv, nonceFor(counter)).decrypt(frame.subarray(COUNTER_BYTES))
    } catch {
      return fail('tampered')
    }
    this.recvCounter = counter + 1n
    let text: string
    try {
      text = decoder.decode(plain)
    } catch {
      return fail('not_utf8')
    }
    this.stats.opened++
    return { ok: true, text }
  }
}

export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

/** Strict Base64 of exactly `len` bytes; null otherwise. */
export function fromBase64(text: unknown, len: number): Uint8Array | null {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null
  let bin: string
  try {
    bin = atob(text)
  } catch {
    return null
  }
  if (bin.length !== len) return null
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** Constant-time string comparison for tokens. */
export function tokensEqual(a: string, b: string): boolean {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}
