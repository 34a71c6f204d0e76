/**
 * Reads HTTP bodies with a hard cap: the connection is cut as soon as the bytes received cross
 * it, and compressed bodies are capped after inflation too (a zip bomb cannot grow past it).
 */
import type { IncomingMessage } from 'node:http'
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib'

export const MAX_ZINE_BODY = 8 * 1024 * 1024
export const MAX_SMALL_BODY = 256 * 1024

export type BodyError = { kind: 'too_large' | 'read_error' | 'bad_encoding'; reason: string }
export type BodyResult = { ok: true; body: Buffer; wireBytes: number } | { ok: false; error: BodyError }

export type ContentCoding = 'identity' | 'gzip' | 'deflate'

/**
 * Bodies compressed so far, by buffer identity: the same encoded zine goes to several peers
 * and in several answers (encodeZineBytes hands out the same buffer), and is never modified.
 */
const gzipped = new WeakMap<Buffer, Buffer>()

/** gzip at level 1 (speed over ratio: the bodies are sent once, on a fast mesh). */
export function gzipBody(body: Buffer): Buffer {
  let out = gzipped.get(body)
  if (out === undefined) {
    out = gzipSync(body, { level: 1 })
    gzipped.set(body, out)
  }
  return out
}

export function parseContentEncoding(header: string | string[] | undefined): ContentCoding | null {
  const v = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase()
  if (v === '' || v === 'identity') return 'identity'
  if (v === 'gzip' || v === 'x-gzip') return 'gzip'
  if (v === 'deflate') return 'deflate'
  return null
}

/**
 * Reads a readable (request or response) up to `limit` decoded bytes. A compressed body is
 * capped on the wire first (a stream of empty deflate blocks inflates to nothing and would
 * otherwise keep the connection busy until the server timeout), then inflated in one call
 * that stops as soon as its output would pass the cap (a zip bomb cannot grow past it) —
 * one call rather than a stream, whose per-chunk hops through the thread pool cost more
 * than the inflation itself for a zine.
 */
export function readBody(
  stream: IncomingMessage,
  limit: number,
  coding: ContentCoding = 'identity'
): Promise<BodyResult> {
  return new Promise((resolve) => {
    let settled = false
    let wireBytes = 0
    const chunks: Buffer[] = []
    const finish = (r: BodyResult): void => {
      if (settled) return
      settled = true
      resolve(r)
    }
    const declared = Number(stream.headers['content-length'])
    if (coding === 'identity' && Number.isFinite(declared) && declared > limit) {
      stream.resume()
      finish({ ok: false, error: { kind: 'too_large', reason: `body of ${declared} bytes exceeds ${limit}` } })
      return
    }
    stream.on('data', (chunk: Buffer) => {
      if (settled) return
      wireBytes += chunk.length
      if (wireBytes > limit) {
        // Settle first: destroying the request emits 'aborted'/'error', which would otherwise win.
        finish({ ok: false, error: { kind: 'too_large', reason: `${coding === 'identity' ? 'body' : 'compressed body'} exceeds ${limit} bytes` } })
        stream.destroy()
        return
      }
      chunks.push(chunk)
    })
    stream.on('end', () => {
      if (settled) return
      const wire = Buffer.concat(chunks, wireBytes)
      finish(coding === 'identity' ? { ok: true, body: wire, wireBytes } : inflateCapped(wire, coding, limit, wireBytes))
    })
    stream.on('aborted', () => finish({ ok: false, error: { kind: 'read_error', reason: 'connection aborted' } }))
    stream.on('error', (e: Error) => finish({ ok: false, error: { kind: 'read_error', reason: e.message } }))
  })
}

function inflateCapped(wire: Buffer, coding: 'gzip' | 'deflate', limit: number, wireBytes: number): BodyResult {
  try {
    const body = coding === 'gzip' ? gunzipSync(wire, { maxOutputLength: limit }) : inflateSync(wire, { maxOutputLength: limit })
    return { ok: true, body, wireBytes }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, error: { kind: 'too_large', reason: `body exceeds ${limit} bytes` } }
    return { ok: false, error: { kind: 'bad_encoding', reason: (e as Error).message } }
  }
}
