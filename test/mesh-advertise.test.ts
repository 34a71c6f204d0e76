/**
 * A mesh IP is advertised only while we serve it: a Go peer that reads MeshIP from our
 * hey_there, newspaper or howdy dials it (pings, gossip, boot recovery, world journeys).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { decodeEvent } from '../main/core/protocol/event-codec'
import { decodeNewspaper } from '../main/core/protocol/newspaper'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import { recordingBroker, type RecordingBroker } from './interop-harness'
import { eventually, makeNode } from './support/nodes'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

async function firstWords(broker: RecordingBroker, name: string, meshIP: string, withMesh: boolean) {
  const node = makeNode(name, broker.url, { transport: 'hybrid', meshIP })
  cleanups.push(() => node.stop(1000))
  if (withMesh) node.attachMesh(new NodeMesh({ listen: { host: meshIP, port: 7433 }, transport: 'hybrid', config: { gossip: { firstDelayMs: 3_600_000 } } }))
  await node.start()
  const mine = (topic: string) => broker.published.find((p) => p.clientId === name && p.topic === topic)
  await eventually(() => {
    expect(mine('nara/plaza/hey_there')).toBeDefined()
    expect(mine(`nara/newspaper/${name}`)).toBeDefined()
  })
  const hello = decodeEvent(mine('nara/plaza/hey_there')!.payload)
  const paper = decodeNewspaper(mine(`nara/newspaper/${name}`)!.payload)
  if (!hello.ok || hello.value.svc !== 'hey-there' || !paper.ok) throw new Error('undecodable')
  const status = JSON.parse(paper.value.statusRaw.toString('utf8')) as { MeshIP: string; MeshEnabled: boolean }
  return { helloIP: hello.value.hey_there.MeshIP, paperIP: status.MeshIP, enabled: status.MeshEnabled, self: node.selfView().meshIP }
}

describe('MeshIP on the wire', () => {
  it('a configured mesh IP with no mesh serving it is not advertised', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    expect(await firstWords(broker, 'unserved', '127.0.62.1', false)).toEqual({ helloIP: '', paperIP: '', enabled: false, self: '' })
  })

  it('with the mesh listening on it, it is', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    expect(await firstWords(broker, 'served', '127.0.62.2', true)).toEqual({ helloIP: '127.0.62.2', paperIP: '127.0.62.2', enabled: true, self: '127.0.62.2' })
  })
})
