/**
 * Renderer bus connections in the desktop shell. A window may connect before any node runs
 * (first run, no keychain) or while the node is being rebuilt (settings changed): its port is
 * held, the frames it sends meanwhile are buffered (bounded), and it is served by the next
 * nervous system — so subscriptions and requests made early are not lost. When a nervous system
 * closes, it closes its carriers and the renderer reconnects by itself.
 */
import { CarrierCore, type Carrier } from '../bus/carriers/carrier'
import type { NervousSystem, ServeOptions } from '../bus/nervousSystem'
import type { QuitSequenceOptions } from './quit-sequence'

export interface BusHost {
  /** A renderer port or a dashboard WebSocket arrived (already wrapped as a carrier); `serve` overrides the host's options. */
  attach(carrier: Carrier<string>, serve?: ServeOptions): void
  /** The nervous system to serve from now on (null while there is no node). */
  use(ns: NervousSystem | null): void
  readonly stats: { held: number; served: number; bufferedDropped: number }
}

export interface BusHostOptions {
  /** Per-carrier options for renderer ports (the shell's soul.export handler). */
  serve?: ServeOptions
  /** Frames buffered per held port (default 256; the oldest are dropped beyond). */
  maxBuffered?: number
}

interface Held {
  proxy: CarrierCore<string>
  buffer: string[]
  waiting: boolean
  serve: ServeOptions
}

export function createBusHost(opts: BusHostOptions = {}): BusHost {
  const maxBuffered = opts.maxBuffered ?? 256
  const held = new Set<Held>()
  const stats = { held: 0, served: 0, bufferedDropped: 0 }
  let current: NervousSystem | null = null

  const serve = (h: Held, ns: NervousSystem): void => {
    ns.serveCarrier(h.proxy, { kind: 'renderer', ...opts.serve, ...h.serve })
    h.waiting = false
    held.delete(h)
    stats.held = held.size
    stats.served++
    for (const f of h.buffer.splice(0)) h.proxy.deliver(f)
  }

  return {
    stats,
    attach(base, serveOpts = {}) {
      const h: Held = { proxy: new CarrierCore<string>((f) => base.send(f), () => base.close()), buffer: [], waiting: true, serve: serveOpts }
      base.onFrame((f) => {
        if (!h.waiting) return h.proxy.deliver(f)
        h.buffer.push(f)
        if (h.buffer.length > maxBuffered) {
          h.buffer.shift()
          stats.bufferedDropped++
        }
      })
      base.onClose(() => {
        held.delete(h)
        stats.held = held.size
        h.proxy.markClosed()
      })
      if (current) serve(h, current)
      else {
        held.add(h)
        stats.held = held.size
      }
    },
    use(ns) {
      current = ns
      if (ns) for (const h of [...held]) serve(h, ns)
    }
  }
}

/** The quit sequence's steps for the current node: a health SURVEY, then chau within the rest of the budget. */
export function quitSteps(
  current: () => { stop(budgetMs?: number): Promise<void>; ns: NervousSystem | null } | null,
  opts: { surveyDeadlineMs?: number; stopBudgetMs?: number; report?: (line: string) => void } = {}
): Pick<QuitSequenceOptions, 'node' | 'survey'> {
  return {
    survey: async () => {
      const ns = current()?.ns
      if (!ns) return
      const r = await ns.health(opts.surveyDeadlineMs ?? 400)
      const notes = Object.entries(r.subsystems).map(([k, v]) => `${k} ${v === 'timeout' ? 'timeout' : v.healthy ? 'ok' : `unhealthy (${v.detail ?? ''})`}`)
      opts.report?.(`health before chau: ${r.healthy ? 'healthy' : 'not healthy'}; ${notes.join(', ')}`)
    },
    node: {
      stop: async () => {
        const c = current()
        if (!c) return
        await c.stop(opts.stopBudgetMs ?? 1400)
        await c.ns?.close()
      }
    }
  }
}
