/**
 * The Go-rule observer model checked against the live reference: each file in
 * test/data/go-observer/ is the plaza traffic of a run beside the reference and what the
 * reference's own API said about one subject once a minute (see the README there). Replaying the
 * traffic's timing through the model must give the reference's projection verdict at every
 * poll, and never fewer restarts than it counted.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeEvent, newHeyThereEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import { GoObserverModel } from './support/goObserverModel'
import { testIdentity } from './support/nodes'

interface Vector {
  note: string
  observer: string
  subject: string
  messages: { t: number; topic: string; from: string }[]
  polls: { t: number; projection: string; observation: string; restarts: number }[]
}

const DIR = join(__dirname, 'data/go-observer')
const T0 = 1_796_300_000_000
const BOOTING_MS = 120_000

/** A stand-in payload with the recorded timing: the model reads names, timestamps and signatures. */
function payload(m: Vector['messages'][number], subject: string, atMs: number): Buffer {
  const id = testIdentity(m.from)
  const ts = BigInt(atMs) * 1_000_000n
  if (m.topic === 'nara/plaza/hey_there') return Buffer.from(encodeEvent(signEvent(newHeyThereEvent({ From: m.from, PublicKey: id.publicKeyBase64, MeshIP: '', ID: id.id }, ts), m.from, id.signer!)))
  if (m.topic === 'nara/plaza/social') {
    return Buffer.from(encodeEvent(signEvent(newSocialEvent({ type: 'observation', actor: m.from, target: subject, reason: 'online' }, ts), m.from, id.signer!)))
  }
  return Buffer.from(JSON.stringify({ From: m.from }))
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.json'))

describe('the Go observer model agrees with the live reference', () => {
  it('has recorded runs to check against', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  for (const file of files) {
    it(file, () => {
      const v = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Vector
      let now = T0
      const model = new GoObserverModel(v.observer, { Agreeableness: 36, Sociability: 39, Chill: 14 }, () => now, () => {}, T0 + BOOTING_MS)
      const msgs = [...v.messages].sort((a, b) => a.t - b.t)
      const end = Math.max(...v.polls.map((p) => p.t), ...msgs.map((m) => m.t))
      let i = 0
      const seen: { t: number; status: string; restarts: number }[] = []
      const polls = [...v.polls]
      for (let t = 0; t <= end + 1000; t += 1000) {
        now = T0 + t
        while (i < msgs.length && msgs[i]!.t <= t) {
          const m = msgs[i++]!
          if (m.from !== v.observer) model.receive(m.topic, payload(m, v.subject, T0 + m.t))
        }
        model.maintain()
        while (polls.length && polls[0]!.t <= t) {
          const p = polls.shift()!
          seen.push({ t: p.t, status: model.statusOf(v.subject), restarts: model.observationOf(v.subject)?.restarts ?? 0 })
        }
      }
      expect(seen.map((s) => s.status)).toEqual(v.polls.map((p) => p.projection))
      // Restarts: the model counts every sighting after MISSING; the reference does too, but its
      // opinion passes in its first minutes (presence.md §6) overwrite the count with the ledger's
      // opinion, which never holds a restart without a start time. The model may only be more
      // pessimistic, and where the reference saw none, it must see none.
      seen.forEach((s, k) => {
        const ref = v.polls[k]!.restarts
        expect(s.restarts, `poll ${k} at ${s.t} ms`).toBeGreaterThanOrEqual(ref)
        if (ref === 0 && v.polls.every((p) => p.restarts === 0)) expect(s.restarts).toBe(0)
      })
    })
  }
})
