/** A small but real NodeControl for control-plane tests: join/leave move a state machine. */
import type { NodeControl, StatusReply } from '../main/core/control'
import type { NeighbourView, NodeState } from '../main/core/views'
import { neighbour, selfView } from './support/views'

export { neighbour }

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
      ...selfView(this.name, this.state, this.neighbours.filter((n) => n.status === 'ONLINE').length),
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

/** Lets queued microtasks and promise chains settle. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}
