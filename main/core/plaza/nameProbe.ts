/**
 * Is a name held on the plaza right now? The broker uses the nara name as the MQTT client id, so
 * joining with a name another nara holds would kick it off (session takeover) and be kicked back
 * when it reconnects — neither side sees a clear error. Before a first join we therefore ask
 * under a throw-away client id: a ledger request (plaza.md §3.8) published to
 * `nara/ledger/{name}/request` reaches only the naras subscribed under that name, and every one
 * that is not read-only answers at once on our own response topic. An answer means the name is
 * taken; silence within the window means nobody holding it is online now (a restart of the same
 * soul, whose old process is gone, is silent too).
 */
import { randomBytes } from 'node:crypto'
import type { Clock, Random } from '../clock'
import { decodeLedgerResponse, encodeLedgerRequest } from '../protocol/ledgerMessages'
import { parseBrokerUrl } from './brokerUrl'
import { DropCounter } from './drops'
import { ledgerRequestTopic, ledgerResponseTopic } from './topics'
import { PlazaTransport } from './transport'

export type NameProbeResult =
  /** A nara answered as `name` from the plaza. */
  | { kind: 'taken' }
  /** Nobody answered as `name` within the window. */
  | { kind: 'free' }
  /** The probe could not ask (broker unreachable, refused, bad URL): the join itself will say why. */
  | { kind: 'unknown'; why: string }

export interface NameProbeOptions {
  broker: string
  name: string
  username?: string
  password?: string
  clock: Clock
  random: Random
  /** How long to wait for the connection (ms). */
  connectMs?: number
  /** How long a holder has to answer once the request is out (ms). */
  answerMs?: number
  /** Ends the probe at once (unknown): the app is stopping. */
  signal?: AbortSignal
}

export const NAME_PROBE_CONNECT_MS = 3000
export const NAME_PROBE_ANSWER_MS = 2000
/**
 * After the broker dropped us the holder has usually just connected, and Go starts reading its
 * ledger requests only after its first hello (0–5 s jitter, then 1 s); it queues what came in
 * meanwhile and answers then, so we wait that long.
 */
export const NAME_PROBE_AFTER_CONNECT_MS = 7000

/** A client id and requester name nobody holds: never our nara's name, so nobody is kicked. */
export function probeClientId(): string {
  return `nara-probe-${randomBytes(6).toString('hex')}`
}

export async function probeName(opts: NameProbeOptions): Promise<NameProbeResult> {
  const url = parseBrokerUrl(opts.broker)
  if (!url.ok) return { kind: 'unknown', why: url.error.reason }
  const me = probeClientId()
  const transport = new PlazaTransport({
    broker: url.value,
    clientId: me,
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.password ? { password: opts.password } : {}),
    subscriptions: { [ledgerResponseTopic(me)]: { qos: 0 } },
    clock: opts.clock,
    random: opts.random,
    drops: new DropCounter(),
    connectTimeoutMs: opts.connectMs ?? NAME_PROBE_CONNECT_MS
  })
  const stopped = new Promise<void>((res) => {
    if (opts.signal?.aborted) res()
    opts.signal?.addEventListener('abort', () => res(), { once: true })
  })
  const wait = <T>(ms: number, value: T, work: Promise<T>): Promise<T> => {
    let timer: ReturnType<Clock['setTimeout']> | undefined
    return Promise.race([work, stopped.then(() => value), new Promise<T>((res) => (timer = opts.clock.setTimeout(() => res(value), ms)))]).finally(() => {
      if (timer) opts.clock.clearTimeout(timer)
    })
  }
  try {
    let failure = 'no answer from the broker'
    transport.on('failed', (e) => (failure = e.message))
    const answered = new Promise<true>((resolve) => {
      transport.on('message', (_topic, payload) => {
        const r = decodeLedgerResponse(payload)
        // Only the name's holder answers on this topic; anything else is noise and ignored.
        if (r.ok && r.value.From === opts.name) resolve(true)
      })
    })
    const connected = await wait(opts.connectMs ?? NAME_PROBE_CONNECT_MS, false, transport.start())
    if (!connected) return { kind: 'unknown', why: opts.signal?.aborted ? 'stopped' : failure }
    // Our throw-away id as the only subject: nobody holds events about it, so the answer is empty.
    const sent = await transport.publish(ledgerRequestTopic(opts.name), encodeLedgerRequest({ From: me, Subjects: [me] }))
    if (!sent) return { kind: 'unknown', why: 'the request could not be published' }
    const taken = await wait(opts.answerMs ?? NAME_PROBE_ANSWER_MS, false, answered)
    return taken ? { kind: 'taken' } : opts.signal?.aborted ? { kind: 'unknown', why: 'stopped' } : { kind: 'free' }
  } finally {
    await transport.stop()
    transport.removeAllListeners()
  }
}
