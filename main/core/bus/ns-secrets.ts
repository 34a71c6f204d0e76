/**
 * The soul guard of the nervous system: every form in which the soul could slip into a frame
 * (Base58 text, hex and Base64 of the 40-byte soul and of its 32-byte seed, the seed as a JSON
 * byte array), so frames to a renderer, control replies and log lines can be checked against
 * all of them — not only the Base58 text the shell's SecretRegistry knows.
 */
import type { Carrier } from './carriers/carrier'
import { CarrierCore } from './carriers/carrier'
import { base58Encode } from '../protocol/base58'

/** What the nervous system needs from a secret registry (main/core/runtime/secrecy.ts fits). */
export interface LeakCheck {
  leaks(value: unknown): boolean
}

export interface SoulLike {
  readonly seed: Uint8Array
  readonly bytes: Uint8Array
  readonly text: string
}

/** Every textual encoding of the soul worth refusing (each ≥ 16 characters, so no false hits). */
export function soulEncodings(soul: SoulLike): string[] {
  const out = new Set<string>([soul.text, base58Encode(soul.seed)])
  for (const b of [soul.seed, soul.bytes]) {
    const buf = Buffer.from(b)
    const hex = buf.toString('hex')
    const b64 = buf.toString('base64')
    out.add(hex)
    out.add(hex.toUpperCase())
    out.add(b64)
    out.add(b64.replace(/=+$/, ''))
    out.add(buf.toString('base64url'))
    // JSON.stringify of an array or of Buffer.toJSON().data, with or without spaces.
    out.add([...b].join(','))
    out.add([...b].join(', '))
    // JSON.stringify of a Uint8Array: {"0":n,"1":n,...}
    out.add([...b].map((v, i) => `"${i}":${v}`).join(','))
  }
  // The same forms nested inside a JSON string (serialised JSON carried as text): quotes escaped.
  for (const n of [...out]) if (n.includes('"')) out.add(n.replace(/"/g, '\\"'))
  return [...out]
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value)
  } catch {
    return String(value)
  }
}

/** Checks values against the soul's encodings and any extra registry (e.g. MQTT passwords). */
export class SoulGuard implements LeakCheck {
  private readonly needles: string[]

  constructor(
    soul: SoulLike | null,
    private readonly extra: LeakCheck | null = null
  ) {
    this.needles = soul ? soulEncodings(soul) : []
  }

  leaks(value: unknown): boolean {
    if (this.needles.length) {
      const text = textOf(value)
      for (const n of this.needles) if (text.includes(n)) return true
    }
    return this.extra?.leaks(value) ?? false
  }

  /** The text with every soul encoding replaced by [redacted] (extra secrets: whole line). */
  redact(text: string): string {
    let out = text
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join('[redacted]')
    return this.extra?.leaks(out) ? '[line withheld: it contained a secret]' : out
  }
}

export interface GuardedCarrier extends Carrier<string> {
  readonly stats: { withheld: number }
}

/**
 * A carrier that refuses to send any frame containing a secret (counted; the frame is dropped,
 * never sent). The last line of defence for carriers that leave main: renderer ports and the
 * UI WebSocket.
 */
export function guardCarrier(base: Carrier<string>, guard: LeakCheck, onWithheld?: () => void): GuardedCarrier {
  const stats = { withheld: 0 }
  const proxy = new CarrierCore<string>(
    (frame) => {
      if (guard.leaks(frame)) {
        stats.withheld++
        onWithheld?.()
        return
      }
      base.send(frame)
    },
    () => base.close()
  )
  base.onFrame((f) => proxy.deliver(f))
  base.onClose(() => proxy.markClosed())
  return Object.assign(proxy, { stats })
}
