/**
 * The receive side accepts what Go actually sends, quirks included (events.md §1, plaza.md §3,
 * presence.md §3, zines-and-mesh.md §5, §7): bytes go in through the node's plaza entry point
 * (`receive`) and bulk intake exactly as the transport/mesh would hand them over.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { encodeEvent, newHeyThereEvent, newObservationEvent, signEvent } from '../main/core/protocol/events'
import { decodeZine } from '../main/core/protocol/zine'
import { decodeSyncResponse } from '../main/core/protocol/syncMessages'
import { howdySigningMessage } from '../main/core/protocol/howdy'
import { makeNode, testIdentity } from './support/nodes'
import { loadProtocolTestVectors } from './support/vectors'

const go = testIdentity('recv-gopeer')

function node() {
  const clock = new ManualClock()
  const n = makeNode('recv-alice', 'mqtt://127.0.0.1:1', {}, { clock, presence: { keepAlivePingMs: 0 } })
  return { n, clock }
}

describe('interop: what Go sends is accepted', () => {
  it('hey_there with lower-case payload keys (Go decodes case-insensitively) is accepted like the capitalised one', () => {
    const { n, clock } = node()
    const e = signEvent(newHeyThereEvent({ From: go.name, PublicKey: go.publicKeyBase64, MeshIP: '100.64.0.9', ID: go.id }, clock.nowNs()), go.name, go.signer!)
    const lower = encodeEvent(e).replace('"From":', '"from":').replace('"PublicKey":', '"publickey":').replace('"MeshIP":', '"meshIP":')
    n.receive('nara/plaza/hey_there', Buffer.from(lower))
    expect(n.stats().dropped).toEqual({})
    expect(n.ledger.has(e.id)).toBe(true)
  })

  it('howdy with "Neighbors":null and a Go Me status is accepted and imports the sender', () => {
    const { n } = node()
    const me = `{"LicensePlate":"","Flair":"","HostStats":{"Uptime":3600,"LoadAvg":0.12,"MemAllocMB":20,"MemSysMB":40,"MemHeapMB":30,"MemStackMB":1,"NumGoroutines":50,"NumGC":7,"ProcCPUPercent":1.5},"Chattiness":100,"Buzz":55,"Observations":{"recv-gopeer":{"online":"ONLINE"}},"Trend":"","TrendEmoji":"","Personality":{"Agreeableness":88,"Sociability":44,"Chill":52},"Aura":{"primary":"#AABBCC","secondary":"#112233"},"Version":"0.2.0","PublicUrl":"","PublicKey":"${go.publicKeyBase64}","ID":"${go.id}","MeshEnabled":true,"MeshIP":"100.64.0.9","coordinates":{"x":0.5,"y":-1.25,"height":0.00001,"error":1},"transport_mode":"hybrid"}`
    const sig = go.signer!.signBase64(howdySigningMessage(go.name, 'recv-alice', 1))
    const howdy = `{"From":"${go.name}","To":"recv-alice","Seq":1,"You":{},"Neighbors":null,"Me":${me},"Signature":"${sig}"}`
    n.receive('nara/plaza/howdy', Buffer.from(howdy))
    // `You` is empty: counted as a howdy without a start time (no vote), nothing dropped.
    expect(n.stats().dropped).toEqual({ 'flag:howdy_you_without_start_time': 1 })
    const v = n.neighbour(go.name)
    expect(v?.id).toBe(go.id)
    expect(v?.status).toBe('ONLINE')
  })

  it('unsigned observation events (as Go emits them) are stored; zine "events":null and sync "events":null decode as empty', () => {
    const { n, clock } = node()
    const obs = newObservationEvent({ observer: go.name, subject: 'someone', type: 'restart', importance: 3, start_time: 1760000000, restart_num: 2, last_restart: 1768800000 }, clock.nowNs())
    const r = n.ingestEvents([{ event: obs, trust: 'unsigned' }], go.name)
    expect(r.added).toBe(1)
    const z = decodeZine(`{"from":"${go.name}","created_at":1768800000,"events":null,"signature":""}`)
    expect(z.ok && z.value.events).toEqual([])
    const s = decodeSyncResponse(`{"from":"${go.name}","events":null,"ts":1768800000,"sig":"x"}\n`)
    expect(s.ok && (s.value.events ?? [])).toEqual([])
  })

  it('legacy ledger responses (Go vectors: "Events":null and legacy SocialEvents with ns Timestamp) are merged without drops', () => {
    const { n } = node()
    const v = loadProtocolTestVectors().ledger as { response_empty_json: string; response_json: string }
    n.receive('nara/ledger/recv-alice/response', Buffer.from(v.response_empty_json))
    n.receive('nara/ledger/recv-alice/response', Buffer.from(v.response_json))
    // decoded fine; whether the tease is kept is our personality filter's call (a flag, not a drop)
    expect(Object.keys(n.stats().dropped).filter((k) => !k.startsWith('flag:'))).toEqual([])
    expect(n.plazaMessagesHandled).toBe(2)
  })
})
