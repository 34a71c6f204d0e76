/**
 * Scalability Protocols wire format over stream transports, as NNG speaks it
 * (sp-tcp-mapping-01 / sp-ipc-mapping-01, checked against nng's ipc transport):
 *
 *   connection header (both sides, 8 bytes): 0x00 'S' 'P' 0x00, protocol id (u16 BE), 0x0000
 *   IPC message: type byte 0x01, payload length (u64 BE), payload
 *   (TCP omits the type byte.) The payload is the protocol header (backtrace) then the body.
 *
 * Note: sp-ipc-mapping-01 says the in-band message type is 0; nng (and nanomsg) send and
 * require 1. We follow the implementations, because nngcat is the oracle.
 */
export const SP_PROTOCOL = {
  PAIR0: 0x10,
  PUB0: 0x20,
  SUB0: 0x21,
  REQ0: 0x30,
  REP0: 0x31,
  PUSH0: 0x50,
  PULL0: 0x51,
  SURVEYOR0: 0x62,
  RESPONDENT0: 0x63
} as const

export const SP_PEER: Record<number, number> = {
  [SP_PROTOCOL.REQ0]: SP_PROTOCOL.REP0,
  [SP_PROTOCOL.REP0]: SP_PROTOCOL.REQ0,
  [SP_PROTOCOL.SURVEYOR0]: SP_PROTOCOL.RESPONDENT0,
  [SP_PROTOCOL.RESPONDENT0]: SP_PROTOCOL.SURVEYOR0,
  [SP_PROTOCOL.PUSH0]: SP_PROTOCOL.PULL0,
  [SP_PROTOCOL.PULL0]: SP_PROTOCOL.PUSH0,
  [SP_PROTOCOL.PUB0]: SP_PROTOCOL.SUB0,
  [SP_PROTOCOL.SUB0]: SP_PROTOCOL.PUB0
}

export const IPC_MSG_TYPE = 1
export const SP_HEADER_LEN = 8
/** Default receive cap (nng's NNG_OPT_RECVMAXSZ default is 1 MiB). */
export const DEFAULT_MAX_MESSAGE = 1024 * 1024
/** nng's default NNG_OPT_MAXTTL: how many backtrace hops a REP/RESPONDENT accepts. */
export const MAX_TTL = 8

export function encodeSpHeader(protocol: number): Buffer {
  const h = Buffer.alloc(SP_HEADER_LEN)
  h[1] = 0x53
  h[2] = 0x50
  h.writeUInt16BE(protocol, 4)
  return h
}

/** The peer's protocol id, or null when the 8 bytes are not a valid SP header. */
export function decodeSpHeader(h: Uint8Array): number | null {
  if (h.length !== SP_HEADER_LEN) return null
  if (h[0] !== 0 || h[1] !== 0x53 || h[2] !== 0x50 || h[3] !== 0 || h[6] !== 0 || h[7] !== 0) return null
  return ((h[4] as number) << 8) | (h[5] as number)
}

export function encodeIpcMessage(...parts: Uint8Array[]): Buffer {
  const len = parts.reduce((n, p) => n + p.length, 0)
  const head = Buffer.alloc(9)
  head[0] = IPC_MSG_TYPE
  head.writeBigUInt64BE(BigInt(len), 1)
  return Buffer.concat([head, ...parts])
}

export type FrameError = 'bad_header' | 'bad_message_type' | 'too_large'

/**
 * Incremental decoder for one IPC connection: first the peer's 8-byte SP header, then
 * messages. After an error it stops; the caller closes the connection (as nng does).
 */
export class IpcStreamDecoder {
  private buf: Buffer = Buffer.alloc(0)
  private peer: number | null = null
  private failed: FrameError | null = null

  constructor(private readonly maxMessage = DEFAULT_MAX_MESSAGE) {}

  get peerProtocol(): number | null {
    return this.peer
  }

  /** Feeds bytes; returns what became complete (header first, then messages). */
  push(chunk: Uint8Array): { header?: number; messages: Buffer[]; error?: FrameError } {
    const messages: Buffer[] = []
    if (this.failed) return { messages, error: this.failed }
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk])
    let header: number | undefined
    if (this.peer === null) {
      if (this.buf.length < SP_HEADER_LEN) return { messages }
      const p = decodeSpHeader(this.buf.subarray(0, SP_HEADER_LEN))
      if (p === null) return this.fail('bad_header', messages)
      this.peer = header = p
      this.buf = this.buf.subarray(SP_HEADER_LEN)
    }
    for (;;) {
      if (this.buf.length < 9) break
      if (this.buf[0] !== IPC_MSG_TYPE) return this.fail('bad_message_type', messages, header)
      const len = this.buf.readBigUInt64BE(1)
      if (len > BigInt(this.maxMessage)) return this.fail('too_large', messages, header)
      const n = Number(len)
      if (this.buf.length < 9 + n) break
      messages.push(Buffer.from(this.buf.subarray(9, 9 + n)))
      this.buf = this.buf.subarray(9 + n)
    }
    return header === undefined ? { messages } : { header, messages }
  }

  private fail(e: FrameError, messages: Buffer[], header?: number): { header?: number; messages: Buffer[]; error: FrameError } {
    this.failed = e
    this.buf = Buffer.alloc(0)
    return header === undefined ? { messages, error: e } : { header, messages, error: e }
  }
}

/**
 * Splits a REP/RESPONDENT payload into its backtrace (32-bit words up to and including the
 * first with the high bit set — the request/survey id) and the body. Null when no terminator
 * appears within MAX_TTL hops: such a message is dropped.
 */
export function splitBacktrace(payload: Buffer): { backtrace: Buffer; id: number; body: Buffer } | null {
  for (let hop = 0; hop < MAX_TTL; hop++) {
    const off = hop * 4
    if (payload.length < off + 4) return null
    const word = payload.readUInt32BE(off)
    if (word & 0x80000000) {
      return { backtrace: payload.subarray(0, off + 4), id: word, body: payload.subarray(off + 4) }
    }
  }
  return null
}

/** Reads the id a REQ/SURVEYOR put in front of a reply. */
export function splitReplyId(payload: Buffer): { id: number; body: Buffer } | null {
  if (payload.length < 4) return null
  const id = payload.readUInt32BE(0)
  if (!(id & 0x80000000)) return null
  return { id, body: payload.subarray(4) }
}

export function idBytes(id: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(id >>> 0)
  return b
}
