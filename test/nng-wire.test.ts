import { describe, expect, it } from 'vitest'
import {
  IpcStreamDecoder,
  SP_PROTOCOL,
  decodeSpHeader,
  encodeIpcMessage,
  encodeSpHeader,
  splitBacktrace,
  splitReplyId
} from '../main/core/bus/nng/wire'
import { controlSocketDir, controlSocketPath, nameFromSocketFile, socketFileName } from '../main/core/bus/nng/socketPath'

describe('SP wire format', () => {
  it('encodes the 8-byte SP header and rejects anything else', () => {
    const h = encodeSpHeader(SP_PROTOCOL.REP0)
    expect([...h]).toEqual([0x00, 0x53, 0x50, 0x00, 0x00, 0x31, 0x00, 0x00])
    expect(decodeSpHeader(h)).toBe(49)
    expect(decodeSpHeader(encodeSpHeader(SP_PROTOCOL.RESPONDENT0))).toBe(99)
    expect(decodeSpHeader(Buffer.from('GET / HT'))).toBeNull()
    expect(decodeSpHeader(Buffer.from([0, 0x53, 0x50, 1, 0, 0x30, 0, 0]))).toBeNull() // version
    expect(decodeSpHeader(Buffer.from([0, 0x53, 0x50, 0, 0, 0x30, 0, 1]))).toBeNull() // reserved
    expect(decodeSpHeader(Buffer.from([0, 0x53, 0x50, 0]))).toBeNull()
  })

  it('frames IPC messages as type 0x01 + u64 BE length, decoded across arbitrary chunking', () => {
    const msg = encodeIpcMessage(Buffer.from([0x80, 0, 0, 1]), Buffer.from('{"cmd":"status"}'))
    expect(msg[0]).toBe(1)
    expect(msg.readBigUInt64BE(1)).toBe(20n)
    const stream = Buffer.concat([encodeSpHeader(SP_PROTOCOL.REQ0), msg, encodeIpcMessage(Buffer.alloc(0)), msg])
    for (const step of [1, 3, 7, stream.length]) {
      const d = new IpcStreamDecoder()
      let header: number | undefined
      const got: Buffer[] = []
      for (let i = 0; i < stream.length; i += step) {
        const r = d.push(stream.subarray(i, i + step))
        if (r.header !== undefined) header = r.header
        got.push(...r.messages)
        expect(r.error).toBeUndefined()
      }
      expect(header).toBe(48)
      expect(got.map((m) => m.length)).toEqual([20, 0, 20])
    }
  })

  it('stops on a bad header, a wrong message type, or an oversized length', () => {
    expect(new IpcStreamDecoder().push(Buffer.from('HTTP/1.1 200 OK')).error).toBe('bad_header')
    const wrongType = Buffer.concat([encodeSpHeader(48), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 0x41])])
    expect(new IpcStreamDecoder().push(wrongType).error).toBe('bad_message_type')
    const huge = Buffer.concat([encodeSpHeader(48), Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])])
    const d = new IpcStreamDecoder(1024)
    expect(d.push(huge).error).toBe('too_large')
    expect(d.push(Buffer.from([1])).error).toBe('too_large') // stays failed
  })

  it('splits the REP backtrace: hops until the id with the high bit, at most 8 hops', () => {
    const direct = Buffer.from([0x80, 0, 0, 7, 0x7b, 0x7d])
    expect(splitBacktrace(direct)).toMatchObject({ id: 0x80000007, body: Buffer.from('{}') })
    const viaDevice = Buffer.from([0, 0, 0, 2, 0x81, 0, 0, 1, 0x41])
    const s = splitBacktrace(viaDevice)!
    expect(s.backtrace.length).toBe(8)
    expect(s.id).toBe(0x81000001)
    expect(s.body.toString()).toBe('A')
    expect(splitBacktrace(Buffer.alloc(9 * 4))).toBeNull() // no terminator within MAX_TTL
    expect(splitBacktrace(Buffer.from([0, 0, 0, 1, 0, 0]))).toBeNull() // truncated
    expect(splitReplyId(Buffer.from([0x80, 0, 0, 1, 0x41]))).toMatchObject({ id: 0x80000001 })
    expect(splitReplyId(Buffer.from([0, 0, 0, 1, 0x41]))).toBeNull()
    expect(splitReplyId(Buffer.from([0x80]))).toBeNull()
  })
})

describe('control socket paths', () => {
  it('uses $XDG_RUNTIME_DIR/nara, else <tmp>/nara-<uid>, else a Windows named pipe', () => {
    expect(controlSocketPath('alpha', { env: { XDG_RUNTIME_DIR: '/run/user/1000' }, platform: 'linux' })).toBe('/run/user/1000/nara/alpha.sock')
    expect(controlSocketPath('alpha', { env: {}, platform: 'darwin', uid: 501, tmp: '/tmp' })).toBe('/tmp/nara-501/alpha.sock')
    expect(controlSocketDir({ env: { XDG_RUNTIME_DIR: 'relative/dir' }, platform: 'linux', uid: 7, tmp: '/tmp' })).toBe('/tmp/nara-7')
    expect(controlSocketPath('alpha', { platform: 'win32' })).toBe('\\\\.\\pipe\\nara-alpha')
  })

  it('encodes names into one safe, reversible file name', () => {
    for (const n of ['alpha', 'ünï/cöde nara', '../etc', '.hidden', 'a%2fb', 'emoji-🦊']) {
      const f = socketFileName(n)
      expect(f).toMatch(/^[A-Za-z0-9._%-]+\.sock$/)
      expect(f.startsWith('.')).toBe(false)
      expect(nameFromSocketFile(f)).toBe(n)
    }
    expect(() => socketFileName('')).toThrow()
    expect(() => controlSocketPath('x'.repeat(200), { env: { XDG_RUNTIME_DIR: '/run/user/1' }, platform: 'linux' })).toThrow(/too long/)
    expect(nameFromSocketFile('bad%zz.sock')).toBeNull()
    expect(nameFromSocketFile('bad%e0.sock')).toBeNull()
    expect(nameFromSocketFile('notes.txt')).toBeNull()
  })
})
