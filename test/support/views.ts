/** View values for tests whose stand-in nodes need a SelfView or NeighbourView to hand out. */
import type { NeighbourView, NodeState, SelfView } from '../../main/core/views'

export function selfView(name: string, state: NodeState, neighboursOnline: number): SelfView {
  return {
    name,
    id: 'id-' + name,
    publicKey: 'pk',
    bonded: true,
    personality: { Agreeableness: 1, Sociability: 2, Chill: 3 },
    aura: { primary: '#fff', secondary: '#000' },
    flair: '',
    licensePlate: '',
    barrio: '',
    trend: '',
    state,
    transport: 'mqtt',
    broker: null,
    meshIP: '',
    meshListen: null,
    startedAtMs: 1,
    neighboursOnline
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
    foundVia: null,
    trust: 'verified',
    lastPingRttMs: null,
    coordinates: null,
    checkpoint: null
  }
}
