/**
 * `nara verify [FILE|-] [--public-key B64] [--json]`: checks the signature of a SyncEvent,
 * newspaper envelope, zine or howdy. The payload kind is detected from its keys. Without
 * --public-key the key the payload carries is used (hey-there/chau payload, Status.PublicKey,
 * howdy Me.PublicKey). Exit 0 valid, 1 invalid, 2 usage error.
 */
import { readFile } from 'node:fs/promises'
import type { CliIO } from '../io'
import { parseJsonLossless } from '../../core/protocol/jsonLossless'
import { isPlainObject } from '../../core/protocol/codec-fields'
import { parsePublicKey } from '../../core/protocol/crypto'
import {
  carriedPublicKeyBytes, computeEventId, contentString, decodeEvent, eventSignatureVerdict
} from '../../core/protocol/events'
import { decodeNewspaper, verifyNewspaper, verifyNewspaperWithKey } from '../../core/protocol/newspaper'
import { decodeZine, zineSignatureVerdict } from '../../core/protocol/zine'
import { decodeHowdy, verifyHowdy } from '../../core/protocol/howdy'
import type { Verdict } from '../../core/protocol/codec-verdict'

type Kind = 'event' | 'newspaper' | 'zine' | 'howdy' | 'unknown'

interface Report {
  kind: Kind
  valid: boolean
  id?: string
  reason?: string
}

const USAGE = 'usage: nara verify [FILE|-] [--public-key BASE64] [--json]'
const MAX_INPUT_BYTES = 32 * 1024 * 1024

function detectKind(v: unknown): Kind {
  if (!isPlainObject(v)) return 'unknown'
  const keys = new Set(Object.keys(v).map((k) => k.toLowerCase()))
  if (keys.has('svc')) return 'event'
  if (keys.has('status')) return 'newspaper'
  if (keys.has('me') || (keys.has('to') && keys.has('seq'))) return 'howdy'
  if (keys.has('created_at') || keys.has('events')) return 'zine'
  return 'unknown'
}

function report(kind: Kind, verdict: Verdict, id?: string): Report {
  const r: Report = { kind, valid: verdict.valid }
  if (id !== undefined) r.id = id
  if (!verdict.valid) r.reason = verdict.reason
  return r
}

function check(text: string, key: Buffer | null): Report {
  const parsed = parseJsonLossless(text, { maxBytes: MAX_INPUT_BYTES })
  if (!parsed.ok) {
    const reason = parsed.error.code === 'too_large' ? parsed.error.reason : `malformed JSON: ${parsed.error.reason}`
    return { kind: 'unknown', valid: false, reason }
  }
  const kind = detectKind(parsed.value)
  switch (kind) {
    case 'event': {
      const d = decodeEvent(parsed.value)
      if (!d.ok) return { kind, valid: false, reason: d.error.reason }
      const e = d.value
      const id = computeEventId(e.ts, e.svc, contentString(e))
      if (e.svc === 'checkpoint' && !key) {
        return { kind, valid: false, id, reason: 'checkpoint events carry voter attestations, not an event signature' }
      }
      return report(kind, eventSignatureVerdict(e, key ?? carriedPublicKeyBytes(e)), id)
    }
    case 'newspaper': {
      const d = decodeNewspaper(text, { maxBytes: MAX_INPUT_BYTES })
      if (!d.ok) return { kind, valid: false, reason: d.error.reason }
      if (key) return report(kind, verifyNewspaperWithKey(d.value, key))
      return report(kind, verifyNewspaper(d.value))
    }
    case 'zine': {
      const d = decodeZine(parsed.value)
      if (!d.ok) return { kind, valid: false, reason: d.error.reason }
      return report(kind, zineSignatureVerdict(d.value, key))
    }
    case 'howdy': {
      const d = decodeHowdy(parsed.value)
      if (!d.ok) return { kind, valid: false, reason: d.error.reason }
      return report(kind, verifyHowdy(d.value, key))
    }
    case 'unknown':
      return { kind, valid: false, reason: 'not a SyncEvent, newspaper, zine or howdy' }
  }
}

export default async function verify(argv: string[], io: CliIO): Promise<number> {
  let file: string | undefined
  let keyText: string | undefined
  let json = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--json') json = true
    else if (a === '--public-key') {
      keyText = argv[++i]
      if (keyText === undefined) {
        io.err('nara verify: --public-key needs a value')
        io.err(USAGE)
        return 2
      }
    } else if (a.startsWith('--public-key=')) keyText = a.slice('--public-key='.length)
    else if (a === '-h' || a === '--help') {
      io.out(USAGE)
      return 0
    } else if (a.startsWith('-') && a !== '-') {
      io.err(`nara verify: unknown option ${a}`)
      io.err(USAGE)
      return 2
    } else if (file === undefined) file = a
    else {
      io.err('nara verify: only one input at a time')
      io.err(USAGE)
      return 2
    }
  }
  let key: Buffer | null = null
  if (keyText !== undefined) {
    key = parsePublicKey(keyText)
    if (!key) {
      io.err('nara verify: --public-key must be the Base64 of a 32-byte Ed25519 key')
      return 2
    }
  }
  if (file === undefined && io.stdinIsTerminal) {
    io.err('nara verify: nothing to verify: give a FILE, or pipe JSON in (cat event.json | nara verify -)')
    io.err(USAGE)
    return 2
  }
  if (file === '-' && io.stdinIsTerminal) io.err('nara verify: reading JSON from the terminal; end it with Ctrl-D')
  let text: string
  try {
    text = file === undefined || file === '-' ? await io.readStdin() : await readFile(file, 'utf8')
  } catch (e) {
    io.err(`nara verify: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`)
    return 2
  }
  const r = check(text, key)
  if (json) io.out(JSON.stringify(r))
  else io.out(`${r.kind}: ${r.valid ? 'valid' : `INVALID (${r.reason})`}${r.id ? ` id=${r.id}` : ''}`)
  return r.valid ? 0 : 1
}
