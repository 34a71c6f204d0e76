import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { LocalSurvey, Surveyor, checkHealth, healthCommand, type HealthAnswer } from '../main/core/bus/control/survey'
import { createCommandRouter } from '../main/core/bus/control/router'
import { FakeNode } from './control-fixtures'
import { PubSub } from '../main/core/bus/control/pubsub'
import { settle } from './control-fixtures'

describe('SURVEY semantics', () => {
  it('survey deadline: answers in time are collected, a late reply is dropped, a silent respondent is timed out', async () => {
    const clock = new ManualClock()
    const survey = new LocalSurvey<string, string>(clock, 500)
    survey.register('fast', (q) => `fast:${q}`)
    let answerLate!: (a: string) => void
    survey.register('late', () => new Promise<string>((r) => (answerLate = r)))
    survey.register('silent', () => new Promise<string>(() => {}))
    const result = survey.survey('ok?')
    await settle()
    clock.advance(500)
    const r = await result
    expect(r.status).toBe('deadline')
    expect(r.answers).toEqual([{ from: 'fast', body: 'fast:ok?' }])
    expect(r.missing.sort()).toEqual(['late', 'silent'])
    answerLate('too late')
    await settle()
    expect(survey.surveyor.stats.lateAnswers).toBe(1)
    expect(survey.surveyor.stats.timedOutRespondents).toBe(2)
  })

  it('completes early once every expected respondent answered', async () => {
    const clock = new ManualClock()
    const survey = new LocalSurvey<string, number>(clock, 10_000)
    survey.register('a', () => 1)
    survey.register('b', async () => 2)
    const r = await survey.survey('q')
    expect(r.status).toBe('complete')
    expect(r.answers.map((a) => a.body).sort()).toEqual([1, 2])
    expect(clock.pendingTimers()).toBe(0)
  })

  it('a new survey cancels the old one; answers carrying the old id are dropped', async () => {
    const clock = new ManualClock()
    const sent: number[] = []
    const s = new Surveyor<string, string>({ clock, transmit: (id) => sent.push(id), deadlineMs: 1000 })
    const first = s.survey('one')
    s.handleResponse(sent[0] as number, 'x', 'early answer')
    const second = s.survey('two')
    const r1 = await first
    expect(r1.status).toBe('cancelled')
    expect(r1.answers).toEqual([{ from: 'x', body: 'early answer' }])
    expect(s.handleResponse(sent[0] as number, 'y', 'old')).toBe(false)
    expect(s.handleResponse(sent[1] as number, 'y', 'new')).toBe(true)
    clock.advance(1000)
    const r2 = await second
    expect(r2.status).toBe('deadline')
    expect(r2.answers).toEqual([{ from: 'y', body: 'new' }])
    expect(s.stats).toMatchObject({ surveys: 2, cancelled: 1, lateAnswers: 1, answers: 2 })
    expect(sent[1]).not.toBe(sent[0])
    expect((sent[1] as number) & 0x80000000).not.toBe(0)
  })

  it('health before chau: every subsystem answers, one hangs and makes the node unhealthy', async () => {
    const clock = new ManualClock()
    const survey = new LocalSurvey<'health', HealthAnswer>(clock)
    survey.register('plaza', () => ({ healthy: true }))
    survey.register('ledger', () => ({ healthy: true, detail: '10 events' }))
    const offMesh = survey.register('mesh', () => new Promise<HealthAnswer>(() => {}))
    const pending = checkHealth(survey, 300)
    await settle()
    clock.advance(300)
    const report = await pending
    expect(report.healthy).toBe(false)
    expect(report.subsystems).toEqual({ plaza: { healthy: true }, ledger: { healthy: true, detail: '10 events' }, mesh: 'timeout' })
    offMesh()
    const ok = await checkHealth(survey, 300)
    expect(ok.healthy).toBe(true)
    survey.register('broken', () => ({ healthy: false, detail: 'disk full' }))
    expect((await checkHealth(survey, 300)).healthy).toBe(false)
  })
})

describe('health over the command router', () => {
  it('{"cmd":"health"} runs the survey and reports each subsystem', async () => {
    const clock = new ManualClock()
    const survey = new LocalSurvey<'health', HealthAnswer>(clock)
    survey.register('plaza', () => ({ healthy: true }))
    survey.register('mesh', () => ({ healthy: false, detail: 'no peers' }))
    const route = createCommandRouter(new FakeNode('alpha'), { health: healthCommand(survey, 200) })
    expect(await route({ cmd: 'health' })).toEqual({
      ok: true,
      healthy: false,
      subsystems: { plaza: { healthy: true }, mesh: { healthy: false, detail: 'no peers' } }
    })
  })
})

describe('PUB/SUB lifecycle', () => {
  it('delivers by topic prefix; a throwing subscriber is counted and does not stop the others', () => {
    const bus = new PubSub<string>()
    const got: string[] = []
    bus.subscribe('lifecycle.', (t, b) => got.push(`all:${t}:${b}`))
    const off = bus.subscribe('lifecycle.quit', (t) => got.push(`quit:${t}`))
    bus.subscribe('', () => {
      throw new Error('bad subscriber')
    })
    expect(bus.publish('lifecycle.join', 'x')).toBe(2)
    bus.publish('lifecycle.quit.chau', 'y')
    bus.publish('other', 'z')
    off()
    bus.publish('lifecycle.quit', 'w')
    expect(got).toEqual(['all:lifecycle.join:x', 'all:lifecycle.quit.chau:y', 'quit:lifecycle.quit.chau', 'all:lifecycle.quit:w'])
    expect(bus.stats.subscriberErrors).toBe(4)
  })
})
