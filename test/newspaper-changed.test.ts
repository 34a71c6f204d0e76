/** A newspaper view names exactly the Status fields that differ from the sender's previous paper. */
import { describe, expect, it } from 'vitest'
import { ManualClock, seededRandom } from '../main/core/clock'
import { resolveConfig } from '../main/core/config'
import { NaraNode } from '../main/core/node'
import { signerFromSeed, sha256 } from '../main/core/protocol/crypto'
import { buildNewspaper } from '../main/core/protocol/newspaper'
import { zeroStatus } from '../main/core/protocol/status'
import type { NaraStatus } from '../main/core/protocol/types'
import type { NewspaperView } from '../main/core/views'
import { testIdentity } from './support/nodes'

describe('newspaper view: changed fields', () => {
  it('lists changed primitives and nested objects, not equal ones (a fresh object with equal content is unchanged)', () => {
    const cfg = resolveConfig({ name: 'reader', transport: 'mqtt' }, {})
    if (!cfg.ok) throw new Error(cfg.errors.join())
    const node = new NaraNode({ config: cfg.config, identity: testIdentity('reader'), clock: new ManualClock(), random: seededRandom(1), hostStats: () => zeroStatus().HostStats })
    const views: NewspaperView[] = []
    node.on('newspaper', (v) => views.push(v))
    const signer = signerFromSeed(sha256('changed-fields'))
    const paper = (edit: (s: NaraStatus) => void): Buffer => {
      const s = zeroStatus()
      s.PublicKey = signer.publicKeyBase64
      s.Buzz = 5
      s.Personality = { Agreeableness: 1, Sociability: 2, Chill: 3 }
      s.HostStats = { ...s.HostStats, Uptime: 10 }
      edit(s)
      return Buffer.from(buildNewspaper('writer', s, signer).payload)
    }
    node.receive('nara/newspaper/writer', paper(() => {}))
    // The same bytes again are a replay (trust model): refused, so no view.
    node.receive('nara/newspaper/writer', paper(() => {}))
    expect(views).toHaveLength(1)
    // Only a primitive changes; HostStats is a fresh object with equal content.
    node.receive('nara/newspaper/writer', paper((s) => {
      s.Buzz = 6
    }))
    node.receive('nara/newspaper/writer', paper((s) => {
      s.Buzz = 7
      s.HostStats = { ...s.HostStats, Uptime: 11 }
    }))
    expect(views).toHaveLength(3)
    expect(views[0]!.changed).toEqual(Object.keys(views[0]!.status))
    expect(views[1]!.changed).toEqual(['Buzz'])
    expect(views[2]!.changed.sort()).toEqual(['Buzz', 'HostStats'])
  })
})
