/**
 * The awards a Go nara adds to its own Flair from its standing in the network (Go
 * `LocalNara.Flair`): 🧓 oldest, 👑 oldest of our barrio, 🐤 youngest, 🐦 youngest of our barrio,
 * 🔁 most restarts — or 🤔 while our start time is still unknown — then 💬 chatty, 📈 loaded or
 * 🆒 idle, 👶 under six hours up, 📡 booting. Appended, in that order, after the identity flair.
 * Pure: the node gathers the standing, this only judges it.
 */

export interface Standing {
  name: string
  /** Our observation says ONLINE. */
  online: boolean
  /** Unix seconds; 0 when unknown. */
  startTime: number
  restarts: number
  /** Barrio (cluster) name as we derive it for that nara. */
  barrio: string
}

export interface FlairAwardsInput {
  me: Standing
  /** Every neighbour we know (not us), online or not: their count is Go's network size. */
  peers: readonly Standing[]
  chattiness: number
  loadAvg: number
  /** Our last_seen − last_restart, seconds. */
  uptimeS: number
}

export const CHATTY_AT = 80
export const LOADED_AT = 0.8
export const IDLE_AT = 0.1
export const BABY_UNDER_S = 6 * 3600
export const BOOTING_UNDER_S = 120

/** Go compares names as byte strings. */
function after(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0
}

type Pick = (s: Standing) => number

interface Query {
  value: Pick
  want: 'least' | 'most'
  /** Go's queries differ here: oldest and most-restarts keep the smaller name on a tie, youngest the larger. */
  tieTo: 'smaller' | 'larger'
  sameBarrio: boolean
}

/** Go's neighbourhood queries: start from us, scan online peers; a 0 means unknown and is never picked. */
function winner(i: FlairAwardsInput, q: Query): string {
  let result = i.me.name
  let best = q.value(i.me)
  for (const p of i.peers) {
    if (!p.online || (q.sameBarrio && p.barrio !== i.me.barrio)) continue
    const v = q.value(p)
    const tieLost = q.tieTo === 'smaller' ? after(p.name, result) : after(result, p.name)
    const notBetter = q.want === 'least' ? best <= v : best >= v
    if (notBetter && tieLost) continue
    if (v > 0 && (q.want === 'least' ? v <= best : v >= best)) [best, result] = [v, p.name]
  }
  return result
}

const byStart: Pick = (s) => s.startTime
const OLDEST: Query = { value: byStart, want: 'least', tieTo: 'smaller', sameBarrio: false }
const YOUNGEST: Query = { value: byStart, want: 'most', tieTo: 'larger', sameBarrio: false }
const MOST_RESTARTS: Query = { value: (s) => s.restarts, want: 'most', tieTo: 'smaller', sameBarrio: false }

export function flairAwards(i: FlairAwardsInput): string {
  let out = ''
  const me = i.me.name
  if (i.peers.length > 2 && i.me.startTime > 0) {
    if (winner(i, OLDEST) === me) out += '🧓'
    if (winner(i, { ...OLDEST, sameBarrio: true }) === me) out += '👑'
    if (winner(i, YOUNGEST) === me) out += '🐤'
    if (winner(i, { ...YOUNGEST, sameBarrio: true }) === me) out += '🐦'
    if (winner(i, MOST_RESTARTS) === me) out += '🔁'
  } else if (i.peers.length > 2) {
    out += '🤔'
  }
  if (i.chattiness >= CHATTY_AT) out += '💬'
  if (i.loadAvg >= LOADED_AT) out += '📈'
  else if (i.loadAvg <= IDLE_AT) out += '🆒'
  if (i.uptimeS < BABY_UNDER_S) out += '👶'
  if (i.uptimeS < BOOTING_UNDER_S) out += '📡'
  return out
}
