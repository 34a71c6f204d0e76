/** Runtime messages and stash payloads, byte-exact against vectors the reference computed (vectors-local/stash.json). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildRuntimeMessage, decodeRuntimeMessage, encodeRuntimeMessage, goTimestamp, signableContent, verifyRuntimeMessage } from '../main/core/protocol/runtimeMessage'
import { parsePublicKey, signerFromSeed } from '../main/core/protocol/crypto'
import { openStash, sealStash, stashKey } from '../main/core/stash/crypto'

const V = JSON.parse(readFileSync(join(__dirname, 'vectors-local/stash.json'), 'utf8'))
const signer = signerFromSeed(Buffer.from(V.signer_seed_hex, 'hex'))

describe('runtime messages (stash.json)', () => {
  for (const c of V.messages) {
    it(`${c.kind} ${c.id}: decode → encode is byte-exact, the signature verifies, and we rebuild it identically`, () => {
      const d = decodeRuntimeMessage(c.json)
      if (!d.ok) throw new Error(d.error.reason)
      const m = d.value
      expect(encodeRuntimeMessage(m)).toBe(c.json)
      expect(signableContent(m)).toBe(c.signable_content)
      expect(verifyRuntimeMessage(m, parsePublicKey(V.signer_public_key)!)).toBe(true)
      const ms = Date.parse(m.timestamp)
      expect(goTimestamp(ms)).toBe(m.timestamp)
      const rebuilt = buildRuntimeMessage({ kind: m.kind, payload: m.payload } as never, { from: m.from!, fromId: m.from_id, toId: m.to_id, atMs: ms, inReplyTo: m.in_reply_to }, signer)
      expect(encodeRuntimeMessage(rebuilt)).toBe(c.json)
    })
  }

  it('a tampered payload no longer verifies; malformed input is refused with a reason', () => {
    const d = decodeRuntimeMessage(V.messages[0].json)
    if (!d.ok) throw new Error(d.error.reason)
    const m = d.value
    const tampered = { ...m, payload: { ...(m.payload as object), ts: 1 } } as typeof m
    expect(verifyRuntimeMessage(tampered, parsePublicKey(V.signer_public_key)!)).toBe(false)
    expect(decodeRuntimeMessage('{"kind":"nope","payload":{}}')).toMatchObject({ ok: false, error: { code: 'unknown_kind' } })
    expect(decodeRuntimeMessage('{"kind":"stash:store","payload":{"nonce":"***"}}')).toMatchObject({ ok: false, error: { code: 'bad_base64' } })
    expect(decodeRuntimeMessage('x'.repeat(300_000)).ok).toBe(false)
  })

  it('the stash key and XChaCha20-Poly1305 match the reference; a wrong key cannot open it', () => {
    const seed = Buffer.from(V.signer_seed_hex, 'hex')
    expect(Buffer.from(stashKey(seed)).toString('hex')).toBe(V.symmetric_key_hex)
    const nonce = Buffer.from(V.nonce_hex, 'hex')
    expect(Buffer.from(sealStash(seed, Buffer.from(V.plaintext), nonce).ciphertext).toString('base64')).toBe(V.ciphertext_b64)
    expect(Buffer.from(openStash(seed, nonce, Buffer.from(V.ciphertext_b64, 'base64'))!).toString()).toBe(V.plaintext)
    expect(openStash(Buffer.alloc(32, 1), nonce, Buffer.from(V.ciphertext_b64, 'base64'))).toBeNull()
  })
})
