/**
 * Decoders never throw past their boundary: they return a Result whose error names a
 * class of bad input and a human-readable reason. Callers count rejections by `code`.
 */
export type DecodeErrorCode =
  | 'malformed_json'
  | 'wrong_type'
  | 'missing_field'
  | 'missing_payload'
  | 'too_large'
  | 'bad_base58'
  | 'bad_base64'
  | 'bad_length'
  | 'bad_signature'
  | 'unsigned'
  | 'unknown_kind'
  | 'invalid'

export interface DecodeError {
  readonly code: DecodeErrorCode
  readonly reason: string
}

export type Result<T, E = DecodeError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E }

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value })
export const err = (code: DecodeErrorCode, reason: string): Result<never> => ({
  ok: false,
  error: { code, reason }
})
