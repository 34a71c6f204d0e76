/**
 * The POST /dm reply (zines-and-mesh.md §6): `{"from","success"}` — a Go map, so keys are
 * sorted — followed by the newline json.Encoder writes. `success` = newly stored.
 */
import { goQuote } from './gojson'
import { bool, catchDecode, fail, fields, object, parseOrValue, shape, str } from './codec-fields'
import type { Result } from '../result'

export const MAX_DM_RESPONSE_BYTES = 64 * 1024

export interface DmResponse {
  from: string
  success: boolean
}

export function encodeDmResponse(r: DmResponse): string {
  return `{"from":${goQuote(r.from)},"success":${r.success}}\n`
}

const DM = shape(['from', 'success'])

export function decodeDmResponse(input: unknown): Result<DmResponse> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_DM_RESPONSE_BYTES }), 'dm response'), DM)
    // a reply without `success` says nothing about delivery: refuse it rather than read false
    if (f.success === undefined || f.success === null) fail('missing_field', 'dm response: success is missing')
    return { from: str(f.from, 'from'), success: bool(f.success, 'success') }
  })
}
