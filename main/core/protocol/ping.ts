/**
 * The unauthenticated GET /ping body (zines-and-mesh.md §4): a Go map, so keys are sorted,
 * followed by the newline json.Encoder writes. `t` is the responder's clock in nanoseconds.
 */
import { goInt, goQuote } from './gojson'
import { catchDecode, fields, int64, object, parseOrValue, shape, str } from './codec-fields'
import type { Result } from '../result'

export const MAX_PING_BODY_BYTES = 16 * 1024

export interface PingResponse {
  from: string
  mesh_ip: string
  public_key: string
  /** Nanoseconds. */
  t: bigint
}

export function encodePingResponse(p: PingResponse): string {
  // keys in sorted order: from, mesh_ip, public_key, t
  return `{"from":${goQuote(p.from)},"mesh_ip":${goQuote(p.mesh_ip)},"public_key":${goQuote(p.public_key)},"t":${goInt(p.t)}}\n`
}

const PING = shape(['from', 'mesh_ip', 'public_key', 't'])

export function decodePingResponse(input: unknown): Result<PingResponse> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_PING_BODY_BYTES }), 'ping response'), PING)
    return { from: str(f.from, 'from'), mesh_ip: str(f.mesh_ip, 'mesh_ip'), public_key: str(f.public_key, 'public_key'), t: int64(f.t, 't') }
  })
}
