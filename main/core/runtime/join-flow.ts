/**
 * The one-click join: keychain → connect → hey_there echoed back by the broker → first howdy →
 * online. `joinReducer` is the pure state machine; `JoinFlow` drives it and gives every waiting
 * step a deadline on an injected clock, so a step that hangs (a locked keychain, a broker that
 * never answers, a plaza that swallows our hello) ends in a sentence a person understands. If
 * nobody answers with a howdy in time we are simply online and alone — not an error.
 */
import type { Clock, TimerHandle } from '../clock'
import type { PlazaSignal } from '../node'
import type { LifecycleView } from '../views'

export type JoinStep = 'idle' | 'keychain' | 'connect' | 'hey_there' | 'howdy' | 'online' | 'error'

export type JoinState =
  | { step: 'idle' }
  | { step: 'keychain' | 'connect' | 'hey_there' | 'howdy'; broker: string }
  | { step: 'online'; broker: string; alone: boolean }
  | { step: 'error'; broker: string; failedAt: 'keychain' | 'name' | 'connect' | 'hey_there'; message: string }

export type JoinEvent =
  | { type: 'start'; broker: string }
  | { type: 'soul-ready' }
  | { type: 'soul-failed'; reason: string }
  /** Another nara answers as `name` on this plaza right now (plaza/nameProbe.ts). */
  | { type: 'name-taken'; name: string }
  | { type: 'connected' }
  | { type: 'connect-failed'; error: unknown }
  | { type: 'hey-there-echoed' }
  | { type: 'howdy-received'; from: string }
  | { type: 'timeout' }
  | { type: 'cancel' }
  /** A connection we had was closed; the node reconnects by itself, so no step changes. */
  | { type: 'lost' }

export type TimedStep = 'keychain' | 'connect' | 'hey_there' | 'howdy'

/** How long each waiting step may take before the timeout event is due (ms). */
export const JOIN_STEP_TIMEOUTS: Readonly<Record<TimedStep, number>> = {
  // The OS may be asking the user to unlock the keychain: give them time to type a password.
  keychain: 60_000,
  connect: 15_000,
  hey_there: 10_000,
  howdy: 20_000
}

export const KEYCHAIN_TIMEOUT_MESSAGE =
  'Your keychain did not answer in time. It may be locked or waiting for your password: unlock it and try again.'

/** The first-run screen's sentence for a name that another nara holds on the plaza. */
export function nameTakenMessage(name: string, broker: string): string {
  return `Another nara is already using the name "${name}" on the plaza at ${displayBroker(broker)}. Choose another name, or quit that nara first: two naras with one name keep throwing each other off the plaza.`
}

export function joinReducer(state: JoinState, event: JoinEvent): JoinState {
  if (event.type === 'cancel') return { step: 'idle' }
  if (event.type === 'name-taken') {
    // Checked before we connect under the name; once we are on the plaza it is too late to ask.
    return state.step === 'keychain' || state.step === 'connect'
      ? { step: 'error', broker: state.broker, failedAt: 'name', message: nameTakenMessage(event.name, state.broker) }
      : state
  }
  if (event.type === 'start') {
    return state.step === 'idle' || state.step === 'error' || state.step === 'online' ? { step: 'keychain', broker: event.broker } : state
  }
  switch (state.step) {
    case 'keychain':
      if (event.type === 'soul-ready') return { step: 'connect', broker: state.broker }
      if (event.type === 'soul-failed') return { step: 'error', broker: state.broker, failedAt: 'keychain', message: event.reason }
      if (event.type === 'timeout') return { step: 'error', broker: state.broker, failedAt: 'keychain', message: KEYCHAIN_TIMEOUT_MESSAGE }
      return state
    case 'connect':
      if (event.type === 'connected') return { step: 'hey_there', broker: state.broker }
      if (event.type === 'connect-failed') {
        return { step: 'error', broker: state.broker, failedAt: 'connect', message: explainJoinError(event.error, state.broker) }
      }
      if (event.type === 'timeout') {
        return { step: 'error', broker: state.broker, failedAt: 'connect', message: `The plaza at ${displayBroker(state.broker)} did not answer in time.` }
      }
      return state
    case 'hey_there':
      if (event.type === 'hey-there-echoed') return { step: 'howdy', broker: state.broker }
      // A howdy can only come after others saw our hey_there: treat it as the echo too.
      if (event.type === 'howdy-received') return { step: 'online', broker: state.broker, alone: false }
      if (event.type === 'connect-failed') {
        return { step: 'error', broker: state.broker, failedAt: 'hey_there', message: explainJoinError(event.error, state.broker) }
      }
      if (event.type === 'timeout') {
        return {
          step: 'error',
          broker: state.broker,
          failedAt: 'hey_there',
          message: `Connected to ${displayBroker(state.broker)}, but our hello never came back. The broker may not allow us to publish on the plaza.`
        }
      }
      return state
    case 'howdy':
      if (event.type === 'howdy-received') return { step: 'online', broker: state.broker, alone: false }
      if (event.type === 'timeout') return { step: 'online', broker: state.broker, alone: true }
      return state
    case 'online':
      if (event.type === 'howdy-received' && state.alone) return { ...state, alone: false }
      return state
    case 'error': {
      // Nothing runs under a taken name: only a new start leaves this error.
      if (state.failedAt === 'name') return state
      // The node keeps trying in the background: a late success of the step that failed (or of
      // a later one) resumes the flow instead of leaving a stale error on screen.
      const resumed = joinReducer({ step: state.failedAt, broker: state.broker }, event)
      return resumed.step !== 'error' && resumed.step !== state.failedAt ? resumed : state
    }
    default:
      return state
  }
}

/** What the node reports about its plaza, as the join flow's events. */
export function joinEventFor(signal: PlazaSignal): JoinEvent {
  switch (signal.kind) {
    case 'connected':
      return { type: 'connected' }
    case 'connect-failed':
      return { type: 'connect-failed', error: signal.error }
    case 'hey-there-echoed':
      return { type: 'hey-there-echoed' }
    case 'howdy':
      return { type: 'howdy-received', from: signal.from }
    case 'lost':
      return { type: 'lost' }
  }
}

export interface JoinFlowOptions {
  clock: Clock
  /** Overrides of JOIN_STEP_TIMEOUTS (tests, or a slower network). */
  timeouts?: Partial<Record<TimedStep, number>>
  /** Called on every change of state with the progress line to show. */
  onProgress(progress: LifecycleView, state: JoinState): void
}

/**
 * Drives joinReducer: each waiting step gets its deadline on the injected clock; a step that
 * is left in time cancels its timer, one that is not receives the 'timeout' event.
 */
export class JoinFlow {
  private current: JoinState = { step: 'idle' }
  private timer: TimerHandle | null = null
  private readonly timeouts: Record<TimedStep, number>

  constructor(private readonly opts: JoinFlowOptions) {
    this.timeouts = { ...JOIN_STEP_TIMEOUTS, ...opts.timeouts }
  }

  get state(): JoinState {
    return this.current
  }

  dispatch(event: JoinEvent): JoinState {
    const next = joinReducer(this.current, event)
    if (next === this.current) return next
    const stepChanged = next.step !== this.current.step
    this.current = next
    if (stepChanged) this.arm(next)
    const progress = joinProgress(next, this.opts.clock.nowMs())
    if (progress) this.opts.onProgress(progress, next)
    return next
  }

  /** Stops the pending deadline (the window or app is going away). */
  dispose(): void {
    this.disarm()
  }

  private arm(state: JoinState): void {
    this.disarm()
    if (state.step !== 'keychain' && state.step !== 'connect' && state.step !== 'hey_there' && state.step !== 'howdy') return
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null
      // Only the step this deadline was set for may time out.
      if (this.current === state) this.dispatch({ type: 'timeout' })
    }, this.timeouts[state.step])
  }

  private disarm(): void {
    if (this.timer) this.opts.clock.clearTimeout(this.timer)
    this.timer = null
  }
}

/** The progress line shown by the first-run screen and published as LifecycleView. */
export function joinProgress(state: JoinState, atMs: number): LifecycleView | null {
  const b = 'broker' in state ? displayBroker(state.broker) : ''
  switch (state.step) {
    case 'idle':
      return null
    case 'keychain':
      return { step: 'keychain', message: 'Opening your soul from the keychain…', atMs }
    case 'connect':
      return { step: 'connect', message: `Connecting to the plaza at ${b}…`, atMs }
    case 'hey_there':
      return { step: 'hey_there', message: 'Saying hey_there…', atMs }
    case 'howdy':
      return { step: 'howdy', message: 'The plaza heard us. Waiting for a neighbour to say howdy…', atMs }
    case 'online':
      return { step: 'online', message: state.alone ? 'You are on the plaza. Nobody else is here yet.' : 'You are on the plaza with your neighbours.', atMs }
    case 'error':
      return { step: 'error', message: state.message, atMs }
  }
}

/** Host:port of a broker URL, without credentials (never shown even if someone put them there). */
export function displayBroker(broker: string): string {
  try {
    const u = new URL(broker)
    return u.port ? `${u.hostname}:${u.port}` : u.hostname
  } catch {
    return 'the configured address'
  }
}

function errorCode(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const o = e as { code?: unknown; message?: unknown }
    if (typeof o.code === 'string') return o.code
    if (typeof o.code === 'number') return `MQTT_${o.code}`
    if (typeof o.message === 'string') return o.message
  }
  return String(e)
}

/** Maps socket, TLS and MQTT CONNACK failures to plain words. */
export function explainJoinError(e: unknown, broker: string): string {
  const where = displayBroker(broker)
  const code = errorCode(e)
  const msg = e instanceof Error ? e.message : code
  if (code === 'ECONNREFUSED') return `Can't reach the plaza at ${where}: nothing is listening there. Is the broker running, and is the port right?`
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Can't find the plaza at ${where}: that name does not resolve. Check the address and your internet connection.`
  if (code === 'ETIMEDOUT') return `The plaza at ${where} did not answer in time. A firewall may be blocking it.`
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENETDOWN') return `Can't reach the plaza at ${where}: this computer seems to be offline.`
  if (code === 'ECONNRESET' || code === 'EPIPE') return `The plaza at ${where} hung up on us. It may be restarting, or it expects a different protocol (mqtt:// vs mqtts://).`
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ssl|wrong version number/i.test(code + ' ' + msg)) {
    return `The secure connection to ${where} failed: its certificate is not trusted or it does not speak TLS on that port.`
  }
  // MQTT 3.1.1 CONNACK 4/5, MQTT 5 reason codes 134/135.
  if (code === 'MQTT_4' || code === 'MQTT_134' || /bad user ?name or password/i.test(msg)) {
    return `The plaza at ${where} rejected the user name or password. Check them in Settings.`
  }
  if (code === 'MQTT_5' || code === 'MQTT_135' || /not authori[sz]ed/i.test(msg)) {
    return `The plaza at ${where} does not let this user in. Check the user name and password in Settings.`
  }
  if (code === 'MQTT_3' || code === 'MQTT_136' || /server unavailable/i.test(msg)) return `The plaza at ${where} is unavailable right now. Try again later.`
  return `Could not join the plaza at ${where}: ${msg}`
}

/**
 * Waits until a join proves itself (the plaza echoed our hello: `howdy` or `online`) or fails
 * (`error`, cancelled, or no answer within `deadlineMs`), for the first-run screen's reply.
 */
export function awaitJoinOutcome(
  flow: { readonly state: JoinState },
  follow: (listener: (progress: LifecycleView, state: JoinState) => void) => () => void,
  clock: Clock,
  deadlineMs: number
): Promise<{ ok: true } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    let unfollow: () => void = () => {}
    let settled = false
    const done = (r: { ok: true } | { ok: false; error: string }): true => {
      if (!settled) {
        settled = true
        clock.clearTimeout(timer)
        unfollow()
        resolve(r)
      }
      return true
    }
    const check = (state: JoinState): boolean => {
      if (state.step === 'howdy' || state.step === 'online') return done({ ok: true })
      if (state.step === 'error') return done({ ok: false, error: state.message })
      if (state.step === 'idle') return done({ ok: false, error: 'The join was cancelled.' })
      return false
    }
    const timer = clock.setTimeout(() => {
      const s = flow.state
      const where = 'broker' in s ? displayBroker(s.broker) : 'the plaza'
      done({ ok: false, error: `The plaza at ${where} did not answer within ${Math.round(deadlineMs / 1000)} s. Check the address, or that the broker is running.` })
    }, deadlineMs)
    unfollow = follow((_p, state) => void check(state))
    if (settled) unfollow()
    check(flow.state)
  })
}
