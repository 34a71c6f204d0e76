/**
 * Howdy replies on nara/plaza/howdy (presence.md §3). Only `howdy:{From}:{To}:{Seq}` is
 * signed (Ed25519 directly over the UTF-8 string), with the key carried in Me.PublicKey;
 * You, Neighbors and Me are unauthenticated.
 */
import type { HowdyEvent, NaraObservation, NaraStatus, NeighborInfo } from './types'
import { goArray, goInt, goObject, goQuote } from './gojson'
import { decodeNaraObservation, decodeStatusValue, encodeNaraObservation, encodeStatus } from './status'
import { array, catchDecode, fields, int, object, parseOrValue, shape, str } from './codec-fields'
import { decodeBase64Strict, ed25519Verify, parsePublicKey, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import type { Result } from '../result'

export const MAX_HOWDY_BYTES = 1024 * 1024
export const MAX_HOWDY_NEIGHBORS = 10

export function howdySigningMessage(from: string, to: string, seq: number): string {
  return `howdy:${from}:${to}:${seq}`
}

export interface HowdyInput {
  from: string
  to: string
  seq: number
  you: NaraObservation
  neighbors: NeighborInfo[] | null
  me: NaraStatus
}

export function buildHowdy(h: HowdyInput, signer: Signer): HowdyEvent {
  return {
    From: h.from,
    To: h.to,
    Seq: h.seq,
    You: h.you,
    Neighbors: h.neighbors,
    Me: h.me,
    Signature: signer.signBase64(howdySigningMessage(h.from, h.to, h.seq))
  }
}

function encodeNeighbor(n: NeighborInfo): string {
  return goObject([
    ['Name', goQuote(n.Name)],
    ['PublicKey', goQuote(n.PublicKey)],
    ['MeshIP', goQuote(n.MeshIP)],
    ['ID', goQuote(n.ID)],
    ['Observation', encodeNaraObservation(n.Observation)]
  ])
}

export function encodeHowdy(h: HowdyEvent): string {
  return goObject([
    ['From', goQuote(h.From)],
    ['To', goQuote(h.To)],
    ['Seq', goInt(h.Seq)],
    ['You', encodeNaraObservation(h.You)],
    ['Neighbors', goArray(h.Neighbors, encodeNeighbor)],
    ['Me', encodeStatus(h.Me)],
    ['Signature', goQuote(h.Signature)]
  ])
}

const HOWDY = shape(['From', 'To', 'Seq', 'You', 'Neighbors', 'Me', 'Signature'])
const NEIGHBOR = shape(['Name', 'PublicKey', 'MeshIP', 'ID', 'Observation'])

export function decodeHowdy(input: unknown, options: { maxBytes?: number } = {}): Result<HowdyEvent> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: options.maxBytes ?? MAX_HOWDY_BYTES }), 'howdy'), HOWDY)
    const neighbors = array(f.Neighbors, 'Neighbors')
    return {
      From: str(f.From, 'From'),
      To: str(f.To, 'To'),
      Seq: int(f.Seq, 'Seq'),
      You: decodeNaraObservation(f.You, 'You'),
      Neighbors:
        neighbors === null
          ? null
          : neighbors.map((raw, i) => {
              const n = fields(object(raw, `Neighbors[${i}]`), NEIGHBOR)
              return {
                Name: str(n.Name, `Neighbors[${i}].Name`),
                PublicKey: str(n.PublicKey, `Neighbors[${i}].PublicKey`),
                MeshIP: str(n.MeshIP, `Neighbors[${i}].MeshIP`),
                ID: str(n.ID, `Neighbors[${i}].ID`),
                Observation: decodeNaraObservation(n.Observation, `Neighbors[${i}].Observation`)
              }
            }),
      Me: decodeStatusValue(f.Me ?? {}, 'Me'),
      Signature: str(f.Signature, 'Signature')
    }
  })
}

/** Verifies with the key the howdy carries (Me.PublicKey), as the reference does. */
export function verifyHowdy(h: HowdyEvent, publicKeyOverride?: Uint8Array | null): Verdict {
  if (!h.Signature) return invalid('unsigned')
  let key: Uint8Array | null | undefined = publicKeyOverride
  if (!key) {
    if (!h.Me.PublicKey) return invalid('no public key')
    key = parsePublicKey(h.Me.PublicKey)
    if (!key) return invalid('bad public key')
  }
  const sig = decodeBase64Strict(h.Signature)
  if (!sig || sig.length !== 64) return invalid('bad signature encoding')
  return ed25519Verify(key, howdySigningMessage(h.From, h.To, h.Seq), sig) ? VALID : invalid('bad signature')
}
