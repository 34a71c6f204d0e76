/**
 * Run inside a fresh network namespace (test/mdns.test.ts): two runtimes, gossip only (no plaza,
 * no tailnet), meshes on 127.0.0.2 and 127.0.0.3, multicast DNS on. Prints one JSON line: which
 * mesh peers each one learned, and in how many ms.
 */
import { silentLogger } from '../../main/core/config'
import { createRuntime, type NaraRuntime } from '../../main/core/runtime/runtime'
import { memorySettingsStore } from '../../main/core/runtime/settings-store'

const t0 = Date.now()
const make = (name: string, ip: string, seed: number): NaraRuntime =>
  createRuntime({
    settings: memorySettingsStore({ name, transport: 'gossip', meshIP: ip, meshListen: `${ip}:7433` }),
    machine: { hostname: 'lan-host', fingerprint: () => new Uint8Array(32).fill(seed), detectMeshIP: () => '' },
    nativeWithoutKeychain: true,
    controlSocket: false,
    log: silentLogger,
    mdns: process.argv.includes('--no-mdns') ? false : { everyMs: 300 }
  })
const a = make('lan-a', '127.0.0.2', 1)
const b = make('lan-b', '127.0.0.3', 2)
await a.start()
await b.start()
const known = (r: NaraRuntime): string[] => r.node!.directory.onlineMeshPeers()
const deadline = Date.now() + (process.argv.includes('--no-mdns') ? 2000 : 8000)
while (Date.now() < deadline && !(known(a).includes('lan-b') && known(b).includes('lan-a'))) await new Promise((r) => setTimeout(r, 50))
const result = { a: known(a), b: known(b), aMeshIPofB: a.node!.directory.meshIPOf('lan-b'), ms: Date.now() - t0 }
await Promise.all([a.stop(500), b.stop(500)])
process.stdout.write(JSON.stringify(result) + '\n')
process.exit(0)
