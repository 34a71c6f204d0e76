/**
 * Event IDs (events.md §3) over the content strings of content-strings.ts (re-exported here,
 * so this stays the one import for both). Byte-exact with the reference; pure.
 */
import { sha256Hex } from './crypto'
import { eventIdPreimage } from './content-strings'

export {
  chauContent, checkpointContent, contentString, eventIdPreimage, eventSigningPreimage, heyThereContent, observationContent, pingContent, seenContent, socialContent
} from './content-strings'

/** First 16 bytes of SHA-256("{ts}:{svc}:{content}"), lower-case hex. */
export function computeEventId(ts: bigint, svc: string, content: string): string {
  return sha256Hex(eventIdPreimage(ts, svc, content)).slice(0, 32)
}
