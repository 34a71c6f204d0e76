/**
 * Reads HTTP bodies with a hard cap, streamed: the connection is cut as soon as the cap is
 * crossed, and compressed bodies are capped after inflation (a zip bomb cannot grow past it).
 */
import type { IncomingMessage } from 'node:http'
import { createGunzip, createInflate, gzipSync, type Gunzip, type Inflate } from 'node:zlib'

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

/** Reads a readable (request or response) up to `limit` decoded bytes. */
export function readBody(
  stream: IncomingMessage,
  limit: number,
  coding: ContentCoding = 'identity'
): Promise<BodyResult> {
  return new Promise((resolve) => {
    let settled = false
    let wireBytes = 0
    let size = 0
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
    let decoder: Gunzip | Inflate | null = null
    if (coding === 'gzip') decoder = createGunzip()
    else if (coding === 'deflate') decoder = createInflate()
    const sink = decoder ?? stream
    sink.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        // Settle first: destroying the request emits 'aborted'/'error', which would otherwise win.
        finish({ ok: false, error: { kind: 'too_large', reason: `body exceeds ${limit} bytes` } })
        stream.destroy()
        decoder?.destroy()
        return
      }
      chunks.push(chunk)
    })
    sink.on('end', () => finish({ ok: true, body: Buffer.concat(chunks), wireBytes }))
    sink.on('error', (e: Error) =>
      finish({ ok: false, error: { kind: decoder ? 'bad_encoding' : 'read_error', reason: e.message } })
    )
    stream.on('data', (chunk: Buffer) => {
      wireBytes += chunk.length
      // Compressed bytes are capped too: a stream of empty deflate blocks inflates to nothing
      // and would otherwise keep the connection busy until the server timeout.
      if (decoder && wireBytes > limit) {
        finish({ ok: false, error: { kind: 'too_large', reason: `compressed body exceeds ${limit} bytes` } })
        stream.destroy()
        decoder.destroy()
      }
    })
    stream.on('aborted', () => finish({ ok: false, error: { kind: 'read_error', reason: 'connection aborted' } }))
    stream.on('error', (e: Error) => finish({ ok: false, error: { kind: 'read_error', reason: e.message } }))
    if (decoder) stream.pipe(decoder)
  })
}
