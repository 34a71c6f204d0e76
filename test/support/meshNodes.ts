/** Real NaraNodes with the mesh attached on a 127.0.x.y address (port 7433), tracked for cleanup. */
import type { NaraNode, NaraNodeOptions } from '../../main/core/node'
import { NodeMesh } from '../../main/core/mesh/nodeMesh'
import { makeNode } from './nodes'
import type { TestBroker } from './brokers'

export interface RunningMeshNode {
  node: NaraNode
  mesh: NodeMesh
}

export interface MeshNodeOptions {
  transport?: 'gossip' | 'hybrid'
  /** Discovery CIDR (default: only the node's own address). */
  scanCidr?: string
  node?: Partial<NaraNodeOptions>
}

/** Nodes whose gossip and discovery loops never fire on their own (tests drive rounds). */
export class MeshNodes {
  readonly running: RunningMeshNode[] = []
  /** A broker the test started for these nodes; stopped after them. */
  broker: TestBroker | null = null

  add(name: string, ip: string, brokerUrl: string, o: MeshNodeOptions = {}): RunningMeshNode {
    const transport = o.transport ?? 'hybrid'
    const node = makeNode(name, brokerUrl, { transport, meshIP: ip }, o.node)
    const mesh = new NodeMesh({
      listen: { host: ip, port: 7433 },
      transport,
      scanCidr: o.scanCidr ?? `${ip}/32`,
      config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } }
    })
    node.attachMesh(mesh)
    const r = { node, mesh }
    this.running.push(r)
    return r
  }

  of(node: NaraNode): NodeMesh {
    return this.running.find((r) => r.node === node)!.mesh
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((r) => r.node.stop(3000)))
    await this.broker?.stop()
    this.broker = null
  }
}
