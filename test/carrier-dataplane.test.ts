/** C1's data plane rides the carriers unchanged: both planes share one sealed WebSocket. */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { DataPlane, DataPlaneSession, RemoteDataPlane } from '../main/core/bus/dataPlane'
import { startWsCarrierServer, generateToken } from '../main/core/bus/carriers/wsServer'
import { connectBus, type WebSocketCtor } from '../main/core/bus/carriers/wsClient'
import { multiplex, serveControl } from '../main/core/bus/carriers/mux'
import { inprocPair } from '../main/core/bus/carriers/inproc'
import { createCommandRouter } from '../main/core/bus/control/router'
import { keys } from '../main/core/views'
import { FakeNode } from './control-fixtures'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('data plane over the carriers', () => {
  it('RemoteDataPlane over an in-process multiplexed carrier', async () => {
    const plane = new DataPlane()
    const [a, b] = inprocPair()
    new DataPlaneSession(plane, multiplex(b).data)
    const remote = new RemoteDataPlane(multiplex(a).data)
    const got: unknown[] = []
    remote.subscribe(keys.neighbours, (s) => void got.push([s.key, s.value]))
    await new Promise((r) => setTimeout(r, 20))
    plane.put(keys.neighbour('beta'), { status: 'ONLINE' })
    await expect.poll(() => got).toEqual([['nara/local/neighbours/beta', { status: 'ONLINE' }]])
  })

  it('RemoteDataPlane and control requests share one sealed WebSocket (connectBus)', async () => {
    const token = generateToken()
    const plane = new DataPlane()
    const node = new FakeNode('alpha')
    const server = await startWsCarrierServer({
      token,
      onCarrier: (c) => {
        const m = multiplex(c)
        new DataPlaneSession(plane, m.data)
        serveControl(m.control, createCommandRouter(node))
      }
    })
    cleanups.push(() => server.close())
    const bus = connectBus(server.url, token, { WebSocket: WebSocket as unknown as WebSocketCtor })
    cleanups.push(() => bus.close())
    const remote = new RemoteDataPlane(bus.data)
    const got: unknown[] = []
    await new Promise<void>((r) => bus.onStatus((s) => s.state === 'open' && r()))
    remote.subscribe(keys.self, (s) => void got.push(s.value))
    await expect.poll(async () => (await bus.control.request({ cmd: 'join' })).ok).toBe(true)
    plane.put(keys.self, { name: 'alpha', state: node.state })
    await expect.poll(() => got).toEqual([{ name: 'alpha', state: 'online' }])
    expect(server.stats.sealed.opened).toBeGreaterThan(2)
  })
})
