/**
 * Simulated plaza neighbours for benches: signed hey_there and newspapers of a given nara, with
 * the field mix of the live network, built with the real protocol constructors, and a sim that
 * plays N neighbours on a real broker at the reference newspaper cadence.
 */
import type { MqttClient } from 'mqtt'
import type { Random } from '../../main/core/clock'
import { newspaperIntervalMs } from '../../main/core/presence/cadence'
import { signerFromSeed, sha256, type Signer } from '../../main/core/protocol/crypto'
import { encodeEvent, newHeyThereEvent, signEvent } from '../../main/core/protocol/events'
import { buildNewspaper } from '../../main/core/protocol/newspaper'
import { zeroStatus } from '../../main/core/protocol/status'

export interface SimNara {
  name: string
  i: number
  signer: Signer
  chattiness: number
}

export function simNaras(count: number, prefix: string, rnd: Random): SimNara[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}${i}`
    return { name, i, signer: signerFromSeed(sha256(`bench-plaza:${name}`)), chattiness: rnd.intn(101) }
  })
}

export const meshIpOf = (i: number): string => `100.64.${i >> 8}.${i & 255}`

export function heyThere(sim: Pick<SimNara, 'name' | 'signer' | 'i'>, nowNs: bigint): Buffer {
  const hey = signEvent(newHeyThereEvent({ From: sim.name, PublicKey: sim.signer.publicKeyBase64, MeshIP: meshIpOf(sim.i), ID: `id${sim.i}` }, nowNs), sim.name, sim.signer)
  return Buffer.from(encodeEvent(hey))
}

/** A signed newspaper as a Go nara publishes it (uptime `uptimeS`). */
export function newspaper(sim: SimNara, uptimeS: number, rnd: Random): Buffer {
  const s = zeroStatus()
  s.Flair = '💎'
  s.HostStats = { ...s.HostStats, Uptime: 3600 + Math.floor(uptimeS), LoadAvg: 0.1, MemAllocMB: 20 }
  s.Chattiness = sim.chattiness
  s.Buzz = rnd.intn(183)
  s.Personality = { Agreeableness: rnd.intn(100), Sociability: rnd.intn(100), Chill: rnd.intn(100) }
  s.Aura = { primary: '#AABBCC', secondary: '#112233' }
  s.Version = '0.2.0'
  s.PublicKey = sim.signer.publicKeyBase64
  s.ID = `id${sim.i}`
  s.MeshEnabled = true
  s.MeshIP = meshIpOf(sim.i)
  s.coordinates = { x: rnd.float(), y: rnd.float(), height: 0.00001, error: 1 }
  s.transport_mode = 'hybrid'
  return Buffer.from(buildNewspaper(sim.name, s, sim.signer).payload)
}

/**
 * Plays `sims` on a connected MQTT client: each says hey_there once, publishes a first
 * newspaper within `firstWithinMs`, then one every `30 + 270×(100−Chattiness)/100` s.
 * Returns a stopper and a count of what went out.
 */
export function playNeighbours(client: MqttClient, sims: SimNara[], rnd: Random, firstWithinMs = 3000): { stop(): void; published(): number } {
  const timers: NodeJS.Timeout[] = []
  let published = 0
  const started = Date.now()
  const paper = (sim: SimNara): void => {
    client.publish(`nara/newspaper/${sim.name}`, newspaper(sim, (Date.now() - started) / 1000, rnd))
    published++
  }
  for (const sim of sims) {
    client.publish('nara/plaza/hey_there', heyThere(sim, BigInt(Date.now()) * 1_000_000n))
    published++
    timers.push(
      setTimeout(() => {
        paper(sim)
        timers.push(setInterval(() => paper(sim), newspaperIntervalMs(sim.chattiness)))
      }, rnd.intn(firstWithinMs))
    )
  }
  return {
    stop: () => timers.forEach((t) => clearTimeout(t)),
    published: () => published
  }
}
