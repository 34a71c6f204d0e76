/**
 * Profiling aid for the zine round trip (not a suite): one sender with a 5,000-event window
 * exchanging with a fresh peer each round, as in bench/suites/zines.ts (identity bodies).
 * Run under `node --cpu-prof --import tsx bench/zine-profile.ts [rounds]`.
 */
import { ManualClock, seededRandom } from '../main/core/clock'
import { StandaloneMeshNode } from '../main/core/mesh/standalone'
import { benchIdentities, naraNames, signedEvents } from './support/events'

const rounds = Number(process.argv[2] ?? 40)
const rnd = seededRandom(4242)
const ids = benchIdentities(40)
const events = signedEvents(7000, ids, naraNames(60, rnd), rnd)
const clock = new ManualClock(Number(events[events.length - 1]!.ts / 1_000_000n) + 1_000)
const opts = { transport: 'hybrid' as const, clock, config: { gossip: { firstDelayMs: 3_600_000 } } }
const sender = new StandaloneMeshNode({ name: 'bench-sender', listen: { host: '127.0.45.2', port: 7433 }, ...opts })
for (const e of events) if (sender.ledger.size < 5000) sender.ledger.add(e)
await sender.start()
const times: number[] = []
for (let i = 0; i < rounds; i++) {
  const ip = `127.0.46.${10 + i}`
  const peer = new StandaloneMeshNode({ name: 'bench-peer', listen: { host: ip, port: 7433 }, ...opts })
  for (const id of ids) peer.peers.learn({ name: id.name, publicKey: id.signer.publicKeyBase64, meshIP: id.meshIp })
  peer.peers.learn({ name: 'bench-sender', publicKey: sender.signer.publicKeyBase64, meshIP: '127.0.45.2' })
  sender.peers.learn({ name: 'bench-peer', publicKey: peer.signer.publicKeyBase64, meshIP: ip }, { overwrite: true })
  await peer.start()
  const t0 = performance.now()
  const v = await sender.mesh.gossip.exchangeWith('bench-peer', `http://${ip}:7433`)
  times.push(performance.now() - t0)
  if (v.verdict !== 'ok') throw new Error(v.verdict)
  await peer.stop()
}
times.sort((a, b) => a - b)
console.log('median ms', times[Math.floor(times.length / 2)]!.toFixed(1), 'min', times[0]!.toFixed(1))
await sender.stop()
