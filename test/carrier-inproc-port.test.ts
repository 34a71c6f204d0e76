import { MessageChannel, Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../main/core/clock'
import { inprocPair } from '../main/core/bus/carriers/inproc'
import { messagePortCarrier } from '../main/core/bus/carriers/messagePort'
import { controlClient, decodeEnvelope, multiplex, serveControl } from '../main/core/bus/carriers/mux'
import { createCommandRouter } from '../main/core/bus/control/router'
import type { Carrier } from '../main/core/bus/carriers/carrier'
import { FakeNode, settle } from './control-fixtures'

async function exerciseBothPlanes(a: Carrier<string>, b: Carrier<string>): Promise<void> {
  const node = new FakeNode('alpha')
  const server = multiplex(b)
  serveControl(server.control, createCommandRouter(node))
  const client = multiplex(a)
  const ctl = controlClient(client.control, { clock: systemClock, resendMs: 1000, timeoutMs: 5000 })
  const dataAtServer: unknown[] = []
  const dataAtClient: unknown[] = []
  server.data.onFrame((f) => dataAtServer.push(f))
  client.data.onFrame((f) => dataAtClient.push(f))

  client.data.send({ op: 'sub', key: 'nara/local/**' })
  server.data.send('{"op":"put","key":"nara/local/self"}')
  const [status, join, bogus] = await Promise.all([
    ctl.request({ cmd: 'status' }),
    ctl.request({ cmd: 'join' }),
    ctl.request({ cmd: 'nope' } as never)
  ])
  expect(status).toMatchObject({ ok: true, name: 'alpha' })
  expect(join).toEqual({ ok: true, state: 'online' })
  expect(bogus).toEqual({ ok: false, error: 'unknown command: nope' })
  await settle()
  // Data frames pass through untouched, whatever their JSON type; control never leaks into data.
  expect(dataAtServer).toEqual([{ op: 'sub', key: 'nara/local/**' }])
  expect(dataAtClient).toEqual(['{"op":"put","key":"nara/local/self"}'])
  ctl.close()
}

describe('carriers', () => {
  it('in-process pair carries the data and control planes on one carrier', async () => {
    const [a, b] = inprocPair()
    await exerciseBothPlanes(a, b)
    let closed = 0
    b.onClose(() => closed++)
    a.close()
    await settle()
    expect(closed).toBe(1)
    expect(b.closed).toBe(true)
    expect(() => a.send('x')).toThrow(/closed/)
  })

  it('MessagePort carrier over a real worker_threads MessageChannel', async () => {
    const { port1, port2 } = new MessageChannel()
    const a = messagePortCarrier(port1)
    const b = messagePortCarrier(port2)
    await exerciseBothPlanes(a, b)
    // Non-string messages are counted and ignored.
    port1.postMessage({ not: 'a frame' })
    await new Promise((r) => setTimeout(r, 20))
    expect(b.stats.badFrames).toBe(1)
    const closed = new Promise<void>((r) => b.onClose(r))
    a.close()
    await closed
    expect(b.closed).toBe(true)
  })

  it('MessagePort carrier crosses a real thread boundary (worker echoes frames)', async () => {
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       workerData.port.on('message', (m) => workerData.port.postMessage(m));`,
      { eval: true, workerData: { port: port2 }, transferList: [port2] }
    )
    try {
      const c = messagePortCarrier(port1)
      const m = multiplex(c)
      const got = new Promise<unknown>((r) => m.data.onFrame(r))
      m.data.send({ n: 1, s: 'héllo' })
      expect(await got).toEqual({ n: 1, s: 'héllo' })
      expect(decodeEnvelope('{"plane":"data","frame":null}')).toEqual({ ok: true, value: { plane: 'data', frame: null } })
      c.close()
    } finally {
      await worker.terminate()
    }
  })

  it('Electron-style ports (on("message", event) with event.data) are understood', async () => {
    const listeners: Array<(v: unknown) => void> = []
    const posted: unknown[] = []
    const fakeElectronPort = {
      postMessage: (m: unknown) => posted.push(m),
      on: (ev: string, fn: (v: unknown) => void) => {
        if (ev === 'message') listeners.push(fn)
      },
      start: () => undefined,
      close: () => undefined
    }
    const c = messagePortCarrier(fakeElectronPort)
    const got: string[] = []
    c.onFrame((f) => got.push(f))
    for (const l of listeners) l({ data: 'frame-1', ports: [] })
    c.send('out')
    expect(got).toEqual(['frame-1'])
    expect(posted).toEqual(['out'])
  })

  it('malformed envelopes are counted, not delivered', async () => {
    const [a, b] = inprocPair()
    const m = multiplex(b)
    const seen: unknown[] = []
    m.data.onFrame((f) => seen.push(f))
    for (const bad of ['not json', '[]', '{"plane":"data"}', '{"plane":"control","kind":"req","id":-1,"body":{}}', '{"plane":"x"}']) a.send(bad)
    a.send('{"plane":"data","frame":1}')
    await settle()
    expect(seen).toEqual([1])
    expect(m.stats).toEqual({ too_large: 0, malformed_json: 1, bad_envelope: 4 })
  })
})
