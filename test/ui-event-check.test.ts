/**
 * The Timeline's in-window signature check (renderer/src/lib/eventCheck.ts: tweetnacl +
 * @noble/hashes over the shared content strings) against every reference event vector, and
 * against the node's own verdict (Node crypto) on the same inputs.
 */
import { describe, expect, it } from 'vitest'
import { checkEventInWindow, decodeBase64 } from '../renderer/src/lib/eventCheck'
import { decodeEvent, eventSignatureVerdict, newSocialEvent, signEvent } from '../main/core/protocol/events'
import { encodeEvent } from '../main/core/protocol/events'
import { parsePublicKey } from '../main/core/protocol/crypto'
import { loadVectors } from './support/vectors'
import { testIdentity } from './support/nodes'

interface EventCase {
  name: string
  signed: boolean
  json: string
  content_string: string
  signing_preimage: string
  id_preimage?: string
  signing_digest_hex?: string
  verify: { method: string; public_key?: string }
  expect_valid: boolean
}

const cases = loadVectors<EventCase>('events.json').cases

/** The "neighbour list" a window would have: the vector's key for the emitter it names. */
function neighbourList(c: EventCase): (name: string) => string | null {
  const emitter = (JSON.parse(c.json) as { emitter?: string }).emitter
  return (name) => (c.verify.method === 'emitter_key' && name === emitter && c.verify.public_key ? c.verify.public_key : null)
}

describe('in-window event check (tweetnacl)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: same verdict as the reference', (_name, c) => {
    const r = checkEventInWindow(c.json, neighbourList(c))
    expect(r.content).toBe(c.content_string)
    expect(r.signingPreimage).toBe(c.signing_preimage)
    if (c.id_preimage) {
      expect(r.idPreimage).toBe(c.id_preimage)
      expect(r.idMatches).toBe(true)
    }
    if (c.signing_digest_hex) expect(r.digestHex).toBe(c.signing_digest_hex)
    if (!c.signed) {
      // Unsigned events and checkpoints (voters sign attestations, not the event): nothing to check here.
      expect(r.verdict).toBe('not-signed')
      return
    }
    expect(r.verdict).toBe(c.expect_valid ? 'valid' : 'invalid')
    expect(r.keySource).toBe(c.verify.method === 'payload_public_key' ? 'payload' : 'neighbour list')
  })

  it('agrees with the node (Node crypto) on every signed vector', () => {
    let compared = 0
    for (const c of cases.filter((x) => x.signed)) {
      const d = decodeEvent(c.json)
      if (!d.ok) continue
      const key = c.verify.public_key ? parsePublicKey(c.verify.public_key) : null
      const node = eventSignatureVerdict(d.value, key).valid
      const window = checkEventInWindow(c.json, neighbourList(c)).verdict === 'valid'
      expect(window, c.name).toBe(node)
      compared++
    }
    expect(compared).toBeGreaterThan(30)
  })

  it('an event we sign now checks ✓; with a stranger key ✗; with no key known it says so', () => {
    const lisa = testIdentity('lisa')
    const bart = testIdentity('bart')
    const json = encodeEvent(signEvent(newSocialEvent({ type: 'tease', actor: 'lisa', target: 'bart', reason: 'random' }, 1767225601358024680n), 'lisa', lisa.signer!))
    expect(checkEventInWindow(json, (n) => (n === 'lisa' ? lisa.publicKeyBase64 : null)).verdict).toBe('valid')
    expect(checkEventInWindow(json, () => bart.publicKeyBase64)).toMatchObject({ verdict: 'invalid', reason: 'the signature does not match' })
    expect(checkEventInWindow(json, () => null)).toMatchObject({ verdict: 'no-key', keySource: null })
    expect(checkEventInWindow(json, () => 'AAAA')).toMatchObject({ verdict: 'invalid', reason: 'the public key is malformed' })
  })

  it('bad input of every class is unreadable or invalid, never a throw', () => {
    const lisa = testIdentity('lisa')
    const key = (): string => lisa.publicKeyBase64
    for (const bad of ['', 'not json', '[]', '{"svc":"nope"}', '{"svc":"social","id":"x","ts":1}', '{"svc":"social","id":"x","ts":1,"social":{"type":7}}',
      '{"svc":"ping","id":"x","ts":1,"ping":{"observer":"a"}}', '{"svc":"social","id":"x","ts":"1","social":{"type":"t"}}',
      '{"svc":"social","id":"x","ts":1,"emitter":5,"social":{"type":"t"}}', '{"svc":"checkpoint","id":"x","ts":1,"checkpoint":{"version":2}}', 'x'.repeat(70_000)]) {
      expect(checkEventInWindow(bad, key).verdict, bad.slice(0, 40)).toBe('unreadable')
    }
    const short = '{"id":"x","ts":1,"svc":"social","emitter":"lisa","sig":"AAAA","social":{"type":"t"}}'
    expect(checkEventInWindow(short, key)).toMatchObject({ verdict: 'invalid', reason: 'the signature is not 64 Base64 bytes' })
  })

  it('decodes Base64 strictly', () => {
    expect(decodeBase64('AAAA')).toEqual(new Uint8Array(3))
    expect(decodeBase64('AA==')).toEqual(new Uint8Array(1))
    for (const bad of ['AAA', 'AA=A', 'A A=', '!!!!', 'AAAA\n', '-_-_']) expect(decodeBase64(bad), bad).toBeNull()
  })
})
