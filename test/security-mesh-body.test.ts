/**
 * Mesh HTTP bodies from untrusted peers, over real loopback HTTP: compressed bodies are capped
 * after inflation (gzip bomb) and before it (a never-ending stream that inflates to nothing).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deflateSync, gzipSync } from 'node:zlib'
import { parseContentEncoding, readBody, type BodyResult } from '../main/core/mesh/body'

const HOST = '127.0.0.63'
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

/** A real HTTP server that reads every request body with `limit` and reports the result. */
async function bodyServer(limit: number): Promise<{ port: number; results: BodyResult[] }> {
  const results: BodyResult[] = []
  const server: Server = createServer((req, res) => {
    void readBody(req, limit, parseContentEncoding(req.headers['content-encoding']) ?? 'identity').then((r) => {
      results.push(r)
      if (!res.headersSent && res.writable) res.writeHead(r.ok ? 200 : 413).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, HOST, () => r()))
  cleanups.push(() => new Promise<void>((r) => {
    server.closeAllConnections()
    server.close(() => r())
  }))
  return { port: (server.address() as AddressInfo).port, results }
}

/** Streams `chunks` chunks made by `make` as the body, tolerating the server cutting us off. */
async function post(port: number, encoding: string, chunks: number, make: () => Buffer): Promise<void> {
  await new Promise<void>((resolve) => {
    const req = request({ host: HOST, port, method: 'POST', path: '/', headers: { 'Content-Encoding': encoding } })
    req.on('error', () => resolve())
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve())
    })
    let i = 0
    const pump = (): void => {
      while (i < chunks) {
        i++
        if (!req.write(make())) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

describe('security: mesh body caps', () => {
  it('a gzip bomb (1 GiB of zeros in ~1 MiB) is cut at the decompressed cap', async () => {
    const limit = 1024 * 1024
    const { port, results } = await bodyServer(limit)
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }) // ~64 KiB → 64 MiB
    await post(port, 'gzip', 16, () => member)
    await expect.poll(() => results.length).toBe(1)
    const r = results[0]!
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.kind).toBe('too_large')
  })

  it('an endless deflate stream of empty blocks (inflates to nothing) is cut at the wire cap', async () => {
    const limit = 64 * 1024
    const { port, results } = await bodyServer(limit)
    // zlib header, then non-final empty stored blocks: 5 bytes each, 0 bytes of output.
    const empty = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])
    let first = true
    const chunk = (): Buffer => {
      const blocks = Buffer.concat(Array.from({ length: 3276 }, () => empty))
      if (!first) return blocks
      first = false
      return Buffer.concat([Buffer.from([0x78, 0x01]), blocks])
    }
    await post(port, 'deflate', 400, chunk) // ~6.5 MB on the wire, 100× the cap
    await expect.poll(() => results.length).toBe(1)
    const r = results[0]!
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.kind).toBe('too_large')
  })

  it('a bomb small on the wire (64 KiB → 64 MiB) is cut by the inflation cap, and a corrupt or truncated body is refused', async () => {
    const limit = 1024 * 1024
    const { port, results } = await bodyServer(limit)
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
    expect(bomb.length).toBeLessThan(limit)
    await post(port, 'gzip', 1, () => bomb)
    await post(port, 'deflate', 1, () => deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }))
    await post(port, 'gzip', 1, () => gzipSync(Buffer.from('x'.repeat(5000))).subarray(0, 30))
    await post(port, 'gzip', 1, () => Buffer.from('not gzip at all'))
    await expect.poll(() => results.length).toBe(4)
    expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['too_large', 'too_large', 'bad_encoding', 'bad_encoding'])
  })

  it('a body of exactly the cap inflates whole; one byte more is refused', async () => {
    const limit = 64 * 1024
    const { port, results } = await bodyServer(limit)
    await post(port, 'gzip', 1, () => gzipSync(Buffer.alloc(limit, 'a')))
    await post(port, 'deflate', 1, () => deflateSync(Buffer.alloc(limit + 1, 'a')))
    await expect.poll(() => results.length).toBe(2)
    expect(results[0]!.ok && results[0]!.body.length).toBe(limit)
    expect(results[1]!.ok ? 'ok' : results[1]!.error.kind).toBe('too_large')
  })

  it('a body within the cap still arrives whole, compressed or not', async () => {
    const { port, results } = await bodyServer(64 * 1024)
    const text = Buffer.from('x'.repeat(50_000))
    await post(port, 'gzip', 1, () => gzipSync(text))
    await post(port, 'identity', 1, () => text)
    await expect.poll(() => results.length).toBe(2)
    for (const r of results) {
      expect(r.ok).toBe(true)
      if (r.ok) expect(r.body.equals(text)).toBe(true)
    }
  })
})
