/** Real NaraNodes for tests: fast timings, deterministic identities, always cleaned up. */
import { determineIdentity, type Identity } from '../../main/core/protocol/identity'
import { sha256 } from '../../main/core/protocol/crypto'
import { resolveConfig, type ConfigInput, type Timings } from '../../main/core/config'
import { NaraNode, type NaraNodeOptions } from '../../main/core/node'
import { systemClock, type Clock } from '../../main/core/clock'
import { encodeEvent, newHeyThereEvent, signEvent } from '../../main/core/protocol/events'

export const FAST_TIMINGS: Partial<Timings> = {
  heyThereJitterMs: 30,
  heyThereMinIntervalMs: 200,
  howdyJitterMs: 150,
  reconnect: { minMs: 50, spanSteps: 3, stepMs: 50 },
  tickMs: 50
}

export function testIdentity(name: string): Identity {
  return determineIdentity({ nameArg: name, soulArg: '', hostname: 'test-host', fingerprint: sha256(`fingerprint:${name}`) })
}

export function makeNode(name: string, broker: string, extra: Partial<ConfigInput> = {}, opts: Partial<NaraNodeOptions> = {}): NaraNode {
  const c = resolveConfig({ broker, transport: 'mqtt', ...extra, timings: { ...FAST_TIMINGS, ...(extra.timings ?? {}) } }, {})
  if (!c.ok) throw new Error(c.errors.join('; '))
  return new NaraNode({ config: c.config, identity: testIdentity(name), ...opts })
}

/** Polls until `check` passes or the deadline expires (real sockets need real time). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000, stepMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((r) => setTimeout(r, stepMs))
    }
  }
}

/**
 * The system clock (real timers) moved so that "now" is `atMs`: for reference vectors signed
 * months ago, which the node would otherwise rightly refuse as stale replays (trust.ts).
 */
export function clockAt(atMs: number): Clock {
  const offsetMs = atMs - Date.now()
  return {
    nowMs: () => systemClock.nowMs() + offsetMs,
    nowNs: () => systemClock.nowNs() + BigInt(offsetMs) * 1_000_000n,
    setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
    clearTimeout: (h) => systemClock.clearTimeout(h)
  }
}

/**
 * A peer's signed hey_there at `atMs` (its own clock): the timed evidence a running nara gives when
 * it starts. A newspaper alone raises nobody (it carries no date), so tests that meet a peer through
 * its papers let it say hello first, as Go does.
 */
export function helloFrom(peer: Identity, atMs: number, meshIP = ''): Buffer {
  return Buffer.from(encodeEvent(signEvent(newHeyThereEvent({ From: peer.name, PublicKey: peer.publicKeyBase64, MeshIP: meshIP, ID: peer.id }, BigInt(atMs) * 1_000_000n), peer.name, peer.signer!)))
}
