/**
 * `nara run --ui`: the real command (in-process, real broker, real sockets) prints the dashboard
 * link once, serves the built UI and answers the control plane over the sealed WebSocket.
 */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import run from '../main/cli/commands/run'
import { main } from '../main/cli/nara'
import type { CliIO } from '../main/cli/io'
import { connectBus, type WebSocketCtor } from '../main/core/bus/carriers/wsClient'
import { RemoteDataPlane } from '../main/core/bus/dataPlane'
import { keys, type SelfView } from '../main/core/views'
import { startAedes, type TestBroker } from './support/brokers'
import { builtRendererDir } from './support/uiBrowser'

let broker: TestBroker | null = null
afterEach(async () => {
  await broker?.stop()
  broker = null
})

function capture(): CliIO & { lines: string[] } {
  const lines: string[] = []
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), readStdin: async () => '', env: { NARA_CONTROL_SOCKET: 'off' } }
}

function manualStop(): { signals: { onStop(h: () => void): () => void }; stop(): void } {
  let handler: () => void = () => {}
  return { signals: { onStop: (h) => ((handler = h), () => {}) }, stop: () => handler() }
}

describe('nara run --ui', () => {
  it('prints the link once, serves the UI, and carries status + the data plane', async () => {
    builtRendererDir()
    broker = await startAedes()
    const io = capture()
    const ctl = manualStop()
    const done = run(['--name', 'cli-ui', '--broker', broker.url, '--ui', '127.0.0.1:0'], io, ctl.signals)
    let link = ''
    const deadline = Date.now() + 8000
    while (!link && Date.now() < deadline) {
      link = io.lines.map((l) => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(l)?.[1]).find(Boolean) ?? ''
      await new Promise((r) => setTimeout(r, 25))
    }
    try {
      expect(link).not.toBe('')
      expect(io.lines.filter((l) => l.includes('#token=')).length).toBe(1)
      const url = new URL(link)
      const token = url.hash.slice('#token='.length)
      const html = await (await fetch(url.origin + '/')).text()
      expect(html).toContain('<div id="app">')
      const Ws = class extends WebSocket {
        constructor(u: string) {
          super(u, { origin: url.origin })
        }
      } as unknown as WebSocketCtor
      const conn = connectBus(url.origin.replace('http', 'ws') + '/bus', token, { WebSocket: Ws })
      try {
        const st = await conn.control.request({ cmd: 'status' })
        expect(st).toMatchObject({ ok: true, name: 'cli-ui' })
        // The link and the socket path are for the user's own terminal, not for the page.
        expect(st).not.toHaveProperty('dashboard')
        expect(JSON.stringify(st)).not.toContain(token)
        // The same link works again (a reload, a second tab): it is a session link, not single-use.
        const again = connectBus(url.origin.replace('http', 'ws') + '/bus', token, { WebSocket: Ws })
        try {
          expect(await again.control.request({ cmd: 'status' })).toMatchObject({ ok: true, name: 'cli-ui' })
        } finally {
          again.close()
        }
        // `nara status` shows the link again, from the node's own control socket.
        const out: string[] = []
        expect(await main(['status', '--name', 'cli-ui'], { ...capture(), out: (l) => void out.push(l) })).toBe(0)
        expect(out).toContain(`${'dashboard'.padEnd(12)} ${link}`)
        const remote = new RemoteDataPlane(conn.data)
        const self = await remote.get<SelfView>(keys.self, { timeoutMs: 3000 })
        expect(self[0]?.value.name).toBe('cli-ui')
      } finally {
        conn.close()
      }
    } finally {
      ctl.stop()
      expect(await done).toBe(0)
    }
  })

  it('refuses a non-loopback --ui without --ui-public, and a malformed address, as usage errors before anything starts', async () => {
    broker = await startAedes()
    const io = capture()
    const code = await run(['--name', 'cli-ui2', '--broker', broker.url, '--ui', '0.0.0.0:0'], io, manualStop().signals)
    expect(code).toBe(2)
    expect(io.lines.join('\n')).toMatch(/not a loopback address: add --ui-public/)
    const io2 = capture()
    expect(await run(['--name', 'cli-ui3', '--broker', broker.url, '--ui', 'nonsense'], io2, manualStop().signals)).toBe(2)
    expect(io2.lines.join('\n')).toMatch(/--ui 'nonsense'/)
    // Nothing started: no start-up line, no plaza, no goodbye.
    for (const l of [...io.lines, ...io2.lines]) expect(l).not.toMatch(/starting|plaza:|chau/)
  })
})
