/**
 * An ID is SHA-256(soul ‖ name): a second name claiming an ID that a live name already holds is
 * lying (or the first one is), so the first binding stays and the key behind `keyOfId` — used
 * for checkpoint votes — cannot be taken over by a later plaza message.
 */
import { describe, expect, it } from 'vitest'
import { Neighbourhood } from '../main/core/presence/neighbourhood'
import { signerFromSeed } from '../main/core/protocol/crypto'

const honest = signerFromSeed(Buffer.alloc(32, 1))
const impostor = signerFromSeed(Buffer.alloc(32, 2))
const ID = 'Ejpbm277jsJ3vXtsuNKrLU1s89QRwJEZmkuhbv1YVMZB'

describe('ID binding (trust on first use)', () => {
  it('keeps the first name bound to an ID; a later claim by another name is refused and counted', () => {
    const n = new Neighbourhood('me')
    n.importIdentity('lisa', { publicKey: honest.publicKeyBase64, id: ID }, 1_000, 'overwrite')
    n.importIdentity('mallory', { publicKey: impostor.publicKeyBase64, id: ID }, 2_000, 'overwrite')
    expect(n.keyOfId(ID)?.equals(honest.publicKey)).toBe(true)
    expect(n.get('mallory')?.id ?? '').not.toBe(ID)
    expect(n.idConflicts).toBe(1)
    // the rightful owner can still refresh its own binding
    n.importIdentity('lisa', { publicKey: honest.publicKeyBase64, id: ID }, 3_000, 'overwrite')
    expect(n.keyOfId(ID)?.equals(honest.publicKey)).toBe(true)
    expect(n.idConflicts).toBe(1)
  })

  it('an ID freed by its owner moving to a new ID can be claimed again', () => {
    const n = new Neighbourhood('me')
    n.importIdentity('lisa', { publicKey: honest.publicKeyBase64, id: ID }, 1_000, 'overwrite')
    n.importIdentity('lisa', { publicKey: honest.publicKeyBase64, id: 'AnotherId' }, 2_000, 'overwrite')
    n.importIdentity('bart', { publicKey: impostor.publicKeyBase64, id: ID }, 3_000, 'overwrite')
    expect(n.keyOfId(ID)?.equals(impostor.publicKey)).toBe(true)
    expect(n.idConflicts).toBe(0)
  })
})
