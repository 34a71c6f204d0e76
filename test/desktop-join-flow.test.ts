import { describe, expect, it } from 'vitest'
import { connect, createServer } from 'node:net'
import mqtt from 'mqtt'
import { explainJoinError, joinProgress, joinReducer, type JoinEvent, type JoinState } from '../main/desktop/join-flow'

const run = (events: JoinEvent[], from: JoinState = { step: 'idle' }) => events.reduce(joinReducer, from)
const broker = 'mqtt://127.0.0.1:1883'

/** A real socket error: connect to a port nobody listens on. */
async function refusedError(): Promise<NodeJS.ErrnoException & { port: number }> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.on('error', (e) => resolve(Object.assign(e, { port })))
  })
}

describe('one-click join flow', () => {
  it('walks keychain → connect → hey_there → howdy → online', () => {
    const seen: string[] = []
    let s: JoinState = { step: 'idle' }
    for (const e of [
      { type: 'start', broker },
      { type: 'soul-ready' },
      { type: 'connected' },
      { type: 'hey-there-echoed' },
      { type: 'howdy-received', from: 'amy' }
    ] as JoinEvent[]) {
      s = joinReducer(s, e)
      seen.push(joinProgress(s, 0)?.step ?? 'none')
    }
    expect(seen).toEqual(['keychain', 'connect', 'hey_there', 'howdy', 'online'])
    expect(s).toEqual({ step: 'online', broker, alone: false })
  })

  it('no howdy in time: online and alone, not an error', () => {
    const s = run([{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'connected' }, { type: 'hey-there-echoed' }, { type: 'timeout' }])
    expect(s).toEqual({ step: 'online', broker, alone: true })
    expect(joinProgress(s, 5)?.message).toBe('You are on the plaza. Nobody else is here yet.')
    expect(joinReducer(s, { type: 'howdy-received', from: 'amy' })).toEqual({ step: 'online', broker, alone: false })
  })

  it('hey_there never echoed: says the broker may not let us publish', () => {
    const s = run([{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'connected' }, { type: 'timeout' }])
    expect(s).toMatchObject({ step: 'error', failedAt: 'hey_there' })
    expect(joinProgress(s, 0)?.message).toMatch(/our hello never came back/)
  })

  it('keychain failure stops at the first step with its reason', () => {
    const s = run([{ type: 'start', broker }, { type: 'soul-failed', reason: 'No keychain is reachable.' }])
    expect(s).toEqual({ step: 'error', broker, failedAt: 'keychain', message: 'No keychain is reachable.' })
  })

  it('events out of order are ignored; cancel returns to idle; retry after error starts over', () => {
    expect(run([{ type: 'start', broker }, { type: 'connected' }])).toEqual({ step: 'keychain', broker })
    expect(run([{ type: 'start', broker }, { type: 'cancel' }])).toEqual({ step: 'idle' })
    const failed = run([{ type: 'start', broker }, { type: 'soul-failed', reason: 'x' }])
    expect(joinReducer(failed, { type: 'start', broker })).toEqual({ step: 'keychain', broker })
  })

  it('a real ECONNREFUSED becomes "Can\'t reach the plaza at …"', async () => {
    const e = await refusedError()
    expect(e.code).toBe('ECONNREFUSED')
    const url = `mqtt://127.0.0.1:${e.port}`
    const s = run([{ type: 'start', broker: url }, { type: 'soul-ready' }, { type: 'connect-failed', error: e }])
    expect(s).toMatchObject({ step: 'error', failedAt: 'connect' })
    expect(joinProgress(s, 0)?.message).toBe(`Can't reach the plaza at 127.0.0.1:${e.port}: nothing is listening there. Is the broker running, and is the port right?`)
  })

  it('a real MQTT "not authorized" CONNACK is explained in plain words', async () => {
    // A refusing broker: a tiny raw server answering CONNECT with CONNACK rc=5 (not authorized).
    const srv = createServer((sock) => {
      sock.once('data', () => sock.write(Buffer.from([0x20, 0x02, 0x00, 0x05])))
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as { port: number }).port
    const url = `mqtt://127.0.0.1:${port}`
    const client = mqtt.connect(url, { reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 3000 })
    const error = await new Promise<unknown>((resolve) => client.once('error', resolve))
    client.end(true)
    await new Promise<void>((r) => srv.close(() => r()))
    expect(explainJoinError(error, url)).toBe(`The plaza at 127.0.0.1:${port} does not let this user in. Check the user name and password in Settings.`)
  })

  it('maps the other common failures and never shows credentials', () => {
    const b = 'mqtts://user:secret@plaza.example.org:8883'
    expect(explainJoinError({ code: 'ENOTFOUND' }, b)).toBe("Can't find the plaza at plaza.example.org:8883: that name does not resolve. Check the address and your internet connection.")
    expect(explainJoinError({ code: 'ETIMEDOUT' }, b)).toMatch(/did not answer in time/)
    expect(explainJoinError({ code: 'ENETUNREACH' }, b)).toMatch(/seems to be offline/)
    expect(explainJoinError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, b)).toMatch(/certificate is not trusted/)
    expect(explainJoinError({ code: 4 }, b)).toMatch(/rejected the user name or password/)
    expect(explainJoinError(new Error('weird'), b)).toBe('Could not join the plaza at plaza.example.org:8883: weird')
    for (const code of ['ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT']) expect(explainJoinError({ code }, b)).not.toMatch(/secret|user:/)
  })
})
