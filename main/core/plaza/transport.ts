/**
 * The plaza connection: one mqtt.js client at a time, Go's own reconnect loop (mqtt.js's is
 * disabled), subscribe-on-every-connect, a size cap on inbound payloads and a last will that is
 * rebuilt for every connection attempt. It turns bytes into (topic, payload) pairs and back and
 * holds no opinion about what they mean.
 */
import { EventEmitter } from 'node:events'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { Clock, Random, TimerHandle } from '../clock'
import type { BrokerUrl } from './brokerUrl'
import { DropCounter } from './drops'
import { publishQos, type QoS } from './topics'
import { MAX_HOWDY_BYTES } from '../protocol/howdy'

export interface WillMessage {
  topic: string
  payload: string
}

export interface ReconnectPolicy {
  /** Wait before each attempt = minMs + intn(spanSteps) × stepMs (Go: 5 s + intn(30) × 1 s). */
  minMs: number
  spanSteps: number
  stepMs: number
}

export const GO_RECONNECT: ReconnectPolicy = { minMs: 5000, spanSteps: 30, stepMs: 1000 }
/**
 * Inbound cap: a Go howdy carries its sender's whole Observations map in `Me` (about 280 bytes a
 * known nara with every field set, so ~280 KB for 1,000), larger than any other plaza message.
 * The cap follows the howdy decoder's own limit.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = MAX_HOWDY_BYTES

export interface PlazaTransportOptions {
  broker: BrokerUrl
  clientId: string
  username?: string
  password?: string
  subscriptions: Record<string, { qos: QoS }>
  clock: Clock
  random: Random
  drops: DropCounter
  reconnect?: ReconnectPolicy
  maxPayloadBytes?: number
  keepaliveS?: number
  connectTimeoutMs?: number
  /** Built fresh for every connection attempt (a signed chau whose ts is that attempt's time). */
  will?: () => WillMessage | null
  debug?: (msg: string) => void
}

export interface PlazaTransportEvents {
  connect: []
  /** A connection attempt failed (socket, TLS or CONNACK error); the retry loop carries on. */
  failed: [error: Error]
  disconnect: [reason: string]
  message: [topic: string, payload: Buffer]
}

export type PlazaState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopped'

/** The MQTT options of every plaza connection (the idle bench's bare baseline connects with the same). */
export function plazaClientOptions(o: Pick<PlazaTransportOptions, 'clientId' | 'keepaliveS' | 'connectTimeoutMs' | 'username' | 'password'>): IClientOptions {
  return {
    clientId: o.clientId,
    clean: true,
    keepalive: o.keepaliveS ?? 30,
    connectTimeout: o.connectTimeoutMs ?? 30_000,
    reconnectPeriod: 0,
    queueQoSZero: false,
    protocolVersion: 4,
    // Go disables certificate verification for tls:// (plaza.md §1); we match it.
    rejectUnauthorized: false,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {})
  }
}

export class PlazaTransport extends EventEmitter<PlazaTransportEvents> {
  private client: MqttClient | null = null
  private state: PlazaState = 'idle'
  private retryTimer: TimerHandle | null = null
  private readonly reconnect: ReconnectPolicy
  private readonly maxPayload: number
  /** Connections made so far (first connect = 1); tests and stats read it. */
  connects = 0

  constructor(private readonly opts: PlazaTransportOptions) {
    super()
    this.reconnect = opts.reconnect ?? GO_RECONNECT
    this.maxPayload = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  }

  get connected(): boolean {
    return this.state === 'connected'
  }

  get status(): PlazaState {
    return this.state
  }

  /** First attempt; resolves true once connected, false if it failed (the retry loop then runs). */
  start(): Promise<boolean> {
    if (this.state !== 'idle' && this.state !== 'stopped') return Promise.resolve(this.connected)
    this.state = 'connecting'
    return this.attempt()
  }

  /** The wait before the next attempt, drawn as Go draws it. */
  nextBackoffMs(): number {
    const r = this.reconnect
    return r.minMs + this.opts.random.intn(Math.max(1, r.spanSteps)) * r.stepMs
  }

  private attempt(): Promise<boolean> {
    return new Promise((resolve) => {
      const will = this.opts.will?.() ?? null
      const options: IClientOptions = {
        ...plazaClientOptions(this.opts),
        ...(will ? { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 0, retain: false } } : {})
      }
      const client = mqtt.connect(this.opts.broker.url, options)
      this.client = client
      let settled = false
      const settle = (v: boolean): void => {
        if (!settled) {
          settled = true
          resolve(v)
        }
      }
      client.on('connect', () => {
        if (this.client !== client) return
        void this.subscribeAll(client).then((okSub) => {
          if (this.client !== client || this.state === 'stopped') return settle(false)
          if (!okSub) {
            this.opts.debug?.('plaza: subscribe failed 3 times; dropping the connection')
            client.end(true)
            return
          }
          this.state = 'connected'
          this.connects++
          this.emit('connect')
          settle(true)
        })
      })
      client.on('message', (topic, payload) => {
        if (this.client !== client) return
        if (payload.length > this.maxPayload) {
          this.opts.drops.count('too_large', `${topic}: ${payload.length} bytes`)
          return
        }
        this.emit('message', topic, payload)
      })
      client.on('error', (e) => {
        this.opts.debug?.(`plaza: ${e.message}`)
        if (this.client === client && this.state !== 'connected' && this.state !== 'stopped') this.emit('failed', e)
      })
      client.on('close', () => {
        if (this.client !== client) return
        const wasConnected = this.state === 'connected'
        this.client = null
        client.removeAllListeners('message')
        if (this.state === 'stopped') return settle(false)
        if (wasConnected) this.emit('disconnect', 'connection lost')
        this.scheduleRetry()
        settle(false)
      })
    })
  }

  private async subscribeAll(client: MqttClient): Promise<boolean> {
    const pauses = [1000, 2000]
    for (let i = 0; ; i++) {
      const failed = await new Promise<boolean>((res) => {
        client.subscribe(this.opts.subscriptions, (e, granted) => {
          res(!!e || (granted ?? []).some((g) => g.qos === 128))
        })
      })
      if (!failed) return true
      const pause = pauses[i]
      if (pause === undefined || this.client !== client) return false
      await new Promise<void>((res) => this.opts.clock.setTimeout(res, pause))
    }
  }

  private scheduleRetry(): void {
    if (this.state === 'stopped' || this.retryTimer) return
    this.state = 'waiting'
    const wait = this.nextBackoffMs()
    this.opts.debug?.(`plaza: reconnecting in ${wait} ms`)
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = null
      if (this.state === 'stopped') return
      this.state = 'connecting'
      void this.attempt()
    }, wait)
  }

  /** QoS as Go publishes on that topic. Not connected → counted and skipped (never queued). */
  publish(topic: string, payload: string): Promise<boolean> {
    const client = this.client
    if (!client || this.state !== 'connected') {
      this.opts.drops.count('publish_offline', topic)
      return Promise.resolve(false)
    }
    return new Promise((resolve) => {
      client.publish(topic, payload, { qos: publishQos(topic), retain: false }, (e) => resolve(!e))
    })
  }

  /** Clean disconnect: the broker receives DISCONNECT and discards our last will. */
  async stop(): Promise<void> {
    const client = this.halt()
    if (!client) return
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => {
        client.end(true)
        resolve()
      }, 1000)
      client.end(false, {}, () => {
        clearTimeout(done)
        resolve()
      })
    })
  }

  /**
   * Drops the socket without DISCONNECT, as a crash or kill would: the broker then publishes
   * our last will. Used by tests and by nothing else.
   */
  abort(): void {
    const client = this.halt()
    if (!client) return
    client.stream?.destroy()
    client.end(true)
  }

  /** Stops retrying and lets go of the client; the caller decides how the socket ends. */
  private halt(): MqttClient | null {
    this.state = 'stopped'
    if (this.retryTimer) this.opts.clock.clearTimeout(this.retryTimer)
    this.retryTimer = null
    const client = this.client
    this.client = null
    return client
  }
}
