/** A small but real NodeControl for control-plane tests: join/leave move a state machine. */
import type { NodeControl, StatusReply } from '../main/core/control'
import type { NeighbourView, NodeState } from '../main/core/views'

export class FakeNode implements NodeControl {
  state: NodeState = 'offline'
  joins = 0
  leaves = 0
  constructor(
    readonly name: string,
    private readonly neighbours: NeighbourView[] = []
  ) {}

  status(): StatusReply {
    return {
      name: this.name,
      id: 'id-' + this.name,
      publicKey: 'pk',
      bonded: true,
      personality: { Agreeableness: 1, Sociability: 2, Chill: 3 },
      aura: { primary: '#fff', secondary: '#000' },
      flair: '',
      state: this.state,
      transport: 'mqtt',
      broker: null,
      meshIP: '',
      meshListen: null,
      startedAtMs: 1,
      neighboursOnline: this.neighbours.filter((n) => n.status === 'ONLINE').length,
      ledgerSize: 42,
      plazaConnected: this.state === 'online',
      uptimeMs: 5000
    }
  }

  peers(): NeighbourView[] {
    return this.neighbours
  }

  async join(): Promise<NodeState> {
    this.joins++
    this.state = 'online'
    return this.state
  }

  async leave(): Promise<NodeState> {
    this.leaves++
    this.state = 'offline'
    return this.state
  }
}

export function neighbour(name: string, status: NeighbourView['status'] = 'ONLINE'): NeighbourView {
  return {
    name,
    id: 'id-' + name,
    publicKey: 'pk-' + name,
    status,
    lastSeenMs: 1,
    firstSeenMs: 1,
    startTime: 0,
    restarts: 0,
    uptimeSeconds: 10,
    personality: null,
    flair: '',
    aura: null,
    version: '0.1',
    chattiness: 0,
    buzz: 0,
    meshIP: '',
    transport: 'plaza',
    trust: 'verified',
    lastPingRttMs: null,
    coordinates: null
  }
}

/** Lets queued microtasks and promise chains settle. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}
