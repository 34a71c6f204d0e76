import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { ReqContext, RepServer, RequestCancelled, RequestTimeout, nextRequestId } from '../main/core/bus/control/reqrep'
import { controlClient, multiplex, serveControl } from '../main/core/bus/carriers/mux'
import { inprocPair } from '../main/core/bus/carriers/inproc'
import { createCommandRouter } from '../main/core/bus/control/router'
import { CarrierCore } from '../main/core/bus/carriers/carrier'
import { FakeNode, settle } from './control-fixtures'

describe('REQ/REP semantics', () => {
  it('request ids have the SP high bit set and wrap within 31 bits', () => {
    expect(nextRequestId(0) >>> 0).toBe(0x80000001)
    expect(nextRequestId(0xffffffff)).toBe(0x80000000)
  })

  it('REQ resend: a request lost by the REP is re-sent with the same id after the resend time', async () => {
    const clock = new ManualClock()
    const sent: number[] = []
    let ctx!: ReqContext<string, string>
    let drops = 1
    ctx = new ReqContext<string, string>({
      clock,
      resendMs: 100,
      transmit: (id, body) => {
        sent.push(id)
        if (drops-- > 0) return // the REP dropped the first request
        queueMicrotask(() => ctx.handleReply(id, body.toUpperCase()))
      }
    })
    const p = ctx.request('ping')
    await settle()
    expect(sent).toHaveLength(1)
    clock.advance(99)
    expect(sent).toHaveLength(1)
    clock.advance(1)
    expect(sent).toHaveLength(2)
    expect(sent[1]).toBe(sent[0])
    await expect(p).resolves.toBe('PING')
    expect(ctx.stats.resent).toBe(1)
    clock.advance(1000)
    expect(sent).toHaveLength(2) // resend timer stopped once answered
    expect(clock.pendingTimers()).toBe(0)
  })

  it('one outstanding request per context: a new request cancels the old; its late reply is stale', async () => {
    const clock = new ManualClock()
    const ids: number[] = []
    const ctx = new ReqContext<string, string>({ clock, transmit: (id) => ids.push(id) })
    const first = ctx.request('a')
    const second = ctx.request('b')
    await expect(first).rejects.toBeInstanceOf(RequestCancelled)
    expect(ctx.handleReply(ids[0] as number, 'late')).toBe(false)
    expect(ctx.stats.staleReplies).toBe(1)
    expect(ctx.handleReply(ids[1] as number, 'B')).toBe(true)
    await expect(second).resolves.toBe('B')
    expect(ctx.handleReply(ids[1] as number, 'again')).toBe(false)
    expect(ctx.stats.staleReplies).toBe(2)
  })

  it('times out when nobody answers before the deadline', async () => {
    const clock = new ManualClock()
    const ctx = new ReqContext<string, string>({ clock, resendMs: 50, timeoutMs: 200, transmit: () => {} })
    const p = ctx.request('x')
    clock.advance(200)
    await expect(p).rejects.toBeInstanceOf(RequestTimeout)
    expect(ctx.stats.resent).toBe(3)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('REP answers a resent request from its cache, running the handler once (idempotent)', async () => {
    let runs = 0
    const rep = new RepServer<string, string>({ handler: (b) => `${b}#${++runs}` }, () => 'error')
    const replies: string[] = []
    rep.handle('peer', 0x80000007, 'join', (_id, r) => replies.push(r))
    rep.handle('peer', 0x80000007, 'join', (_id, r) => replies.push(r))
    rep.handle('other', 0x80000007, 'join', (_id, r) => replies.push(r))
    await settle()
    expect(replies).toEqual(['join#1', 'join#1', 'join#2'])
    expect(rep.stats.answeredFromCache).toBe(1)
  })

  it('a throwing handler still produces a reply', async () => {
    const rep = new RepServer<string, string>(
      {
        handler: () => {
          throw new Error('boom')
        }
      },
      (e) => `error: ${(e as Error).message}`
    )
    const replies: string[] = []
    rep.handle('p', 0x80000001, 'x', (_id, r) => replies.push(r))
    await settle()
    expect(replies).toEqual(['error: boom'])
    expect(rep.stats.handlerErrors).toBe(1)
  })

  it('control over an in-process carrier whose REP side drops the first request still completes', async () => {
    const clock = new ManualClock()
    const [a, b] = inprocPair<string>()
    // A lossy hop in front of the server: it never sees the first frame.
    let dropped = 0
    const lossy = new CarrierCore<string>((f) => b.send(f), () => b.close())
    b.onFrame((f) => {
      if (dropped++ === 0) return
      lossy.deliver(f)
    })
    const serverSide = lossy
    const node = new FakeNode('alpha')
    const server = multiplex(serverSide)
    serveControl(server.control, createCommandRouter(node))
    const client = controlClient(multiplex(a).control, { clock, resendMs: 100 })
    const reply = client.request({ cmd: 'join' })
    await settle()
    clock.advance(100)
    await expect(reply).resolves.toEqual({ ok: true, state: 'online' })
    expect(node.joins).toBe(1)
    expect(client.stats.resent).toBe(1)
  })
})
