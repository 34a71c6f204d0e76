/**
 * The plaza's topic vocabulary (plaza.md §2). We publish exactly what the Go network speaks and
 * additionally accept the seed documents' spellings (`nara/plaza/hey-there`,
 * `nara/plaza/newspaper/{name}`) so a node written against the prose spec still reaches us.
 */
export type QoS = 0 | 1

export const TOPIC = {
  heyThere: 'nara/plaza/hey_there',
  heyThereSeed: 'nara/plaza/hey-there',
  chau: 'nara/plaza/chau',
  howdy: 'nara/plaza/howdy',
  social: 'nara/plaza/social',
  journeyComplete: 'nara/plaza/journey_complete',
  stashRefresh: 'nara/plaza/stash_refresh',
  checkpointPropose: 'nara/checkpoint/propose',
  checkpointVote: 'nara/checkpoint/vote',
  checkpointFinal: 'nara/checkpoint/final'
} as const

export const newspaperTopic = (name: string): string => `nara/newspaper/${name}`
export const ledgerRequestTopic = (name: string): string => `nara/ledger/${name}/request`
export const ledgerResponseTopic = (name: string): string => `nara/ledger/${name}/response`

/** Go's explicit subscription list (all QoS 0), plus the seed spellings we also accept. */
export function subscriptionsFor(ownName: string): Record<string, { qos: QoS }> {
  const subs: Record<string, { qos: QoS }> = {}
  for (const t of [
    TOPIC.heyThere,
    TOPIC.heyThereSeed,
    TOPIC.chau,
    TOPIC.howdy,
    'nara/newspaper/#',
    'nara/plaza/newspaper/#',
    TOPIC.social,
    TOPIC.journeyComplete,
    TOPIC.stashRefresh,
    ledgerRequestTopic(ownName),
    ledgerResponseTopic(ownName),
    TOPIC.checkpointPropose,
    TOPIC.checkpointVote,
    TOPIC.checkpointFinal
  ]) {
    subs[t] = { qos: 0 }
  }
  return subs
}

/** Publish QoS per topic as Go uses it: checkpoint topics and runtime messages (stash_refresh) at 1, everything else at 0. */
export function publishQos(topic: string): QoS {
  return topic.startsWith('nara/checkpoint/') || topic === TOPIC.stashRefresh ? 1 : 0
}

export type PlazaTopic =
  | { kind: 'hey_there' }
  | { kind: 'chau' }
  | { kind: 'howdy' }
  | { kind: 'newspaper'; name: string }
  | { kind: 'social' }
  | { kind: 'journey_complete' }
  | { kind: 'stash_refresh' }
  | { kind: 'ledger_request'; name: string }
  | { kind: 'ledger_response'; name: string }
  | { kind: 'checkpoint_propose' }
  | { kind: 'checkpoint_vote' }
  | { kind: 'checkpoint_final' }
  | { kind: 'unknown' }

const FIXED: Record<string, PlazaTopic> = {
  [TOPIC.heyThere]: { kind: 'hey_there' },
  [TOPIC.heyThereSeed]: { kind: 'hey_there' },
  [TOPIC.chau]: { kind: 'chau' },
  [TOPIC.howdy]: { kind: 'howdy' },
  [TOPIC.social]: { kind: 'social' },
  [TOPIC.journeyComplete]: { kind: 'journey_complete' },
  [TOPIC.stashRefresh]: { kind: 'stash_refresh' },
  [TOPIC.checkpointPropose]: { kind: 'checkpoint_propose' },
  [TOPIC.checkpointVote]: { kind: 'checkpoint_vote' },
  [TOPIC.checkpointFinal]: { kind: 'checkpoint_final' }
}

/** Maps a received topic to what it carries; the newspaper sender's name comes from the topic. */
export function classifyTopic(topic: string): PlazaTopic {
  const fixed = FIXED[topic]
  if (fixed) return fixed
  for (const prefix of ['nara/newspaper/', 'nara/plaza/newspaper/']) {
    if (topic.startsWith(prefix)) {
      const name = topic.slice(prefix.length)
      return name === '' ? { kind: 'unknown' } : { kind: 'newspaper', name }
    }
  }
  const ledger = /^nara\/ledger\/([^/]+)\/(request|response)$/.exec(topic)
  if (ledger) {
    const name = ledger[1]!
    return ledger[2] === 'request' ? { kind: 'ledger_request', name } : { kind: 'ledger_response', name }
  }
  return { kind: 'unknown' }
}
