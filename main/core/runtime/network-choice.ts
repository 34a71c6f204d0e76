/**
 * Which network a first run joins, said plainly: who each choice lets you meet. The embedded
 * plaza is a meeting place on this computer (or its LAN), never "the network". We ship no broker
 * address or credentials: the public plaza's are given to each person by the nara community.
 */
import type { Settings } from './settings-schema'

export type NetworkChoiceId = 'public' | 'embedded' | 'lan' | 'broker'

export interface NetworkChoice {
  id: NetworkChoiceId
  title: string
  /** Who you meet there. */
  meets: string
  /** Whether the form asks for a broker address and credentials. */
  needsBroker: boolean
  plaza: Settings['plaza']
}

export const NETWORK_CHOICES: readonly NetworkChoice[] = [
  {
    id: 'public',
    title: 'The public nara plaza',
    meets: 'Every nara on the public network. Enter the broker address and the user name and password you were given (Nara Desktop ships none).',
    needsBroker: true,
    plaza: 'broker'
  },
  {
    id: 'embedded',
    title: 'A plaza on this computer',
    meets: 'Only naras running on this computer. Nobody else can reach it.',
    needsBroker: false,
    plaza: 'embedded'
  },
  {
    id: 'lan',
    title: 'A plaza on this computer, open to my local network',
    meets: 'Naras on your local network that point their broker at this computer (port 1883). Not the public network.',
    needsBroker: false,
    plaza: 'lan'
  },
  {
    id: 'broker',
    title: 'Another broker',
    meets: 'Only the naras that use that broker (a club, a test network). Enter its address and your credentials.',
    needsBroker: true,
    plaza: 'broker'
  }
]

/** A short line for the UI: where this runtime's plaza is and who is there. */
export function describePlaza(s: Settings): { plaza: Settings['plaza']; where: string; meets: string } {
  if (s.plaza === 'embedded') return { plaza: s.plaza, where: 'a plaza on this computer (127.0.0.1:1883)', meets: NETWORK_CHOICES[1]!.meets }
  if (s.plaza === 'lan') return { plaza: s.plaza, where: 'a plaza on this computer, open to the LAN (port 1883)', meets: NETWORK_CHOICES[2]!.meets }
  let host = 'the configured broker'
  try {
    const u = new URL(s.brokerUrl)
    host = u.port ? `${u.hostname}:${u.port}` : u.hostname
  } catch {
    /* shown as "the configured broker" */
  }
  return { plaza: s.plaza, where: `the broker at ${host}`, meets: 'The naras that use this broker.' }
}
