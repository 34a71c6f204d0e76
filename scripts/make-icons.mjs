#!/usr/bin/env node
// Draws the tray and app icons as PNGs (no image libraries: zlib + CRC32 by hand) so they can be
// regenerated from source. Output goes to resources/; the generated files are committed.
//   tray-<state>Template.png / @2x   macOS template images (black + alpha; the OS tints them)
//   tray-<state>-light.png / @2x     coloured, for light menu bars / task bars
//   tray-<state>-dark.png / @2x      coloured, for dark menu bars / task bars
//   icon.png (512x512)               the app icon (electron-builder derives .icns/.ico from it)
import { deflateSync } from 'node:zlib'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources')

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
/** rgba: Float32Array-like of size*size*4 in 0..1 → PNG bytes (8-bit RGBA, no interlace). */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8
  ihdr[9] = 6
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    for (let i = 0; i < size * 4; i++) {
      raw[y * (size * 4 + 1) + 1 + i] = Math.round(Math.min(1, Math.max(0, rgba[y * size * 4 + i])) * 255)
    }
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

// Shapes in a unit square (0..1); coverage is antialiased by 4x4 supersampling.
const disc = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r
const ring = (cx, cy, r, w) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy)
  return d <= r && d >= r - w
}
const arcs = (cx, cy, r, w, n) => (x, y) => {
  // a dashed ring: "joining" reads as "in progress"
  if (!ring(cx, cy, r, w)(x, y)) return false
  const a = (Math.atan2(y - cy, x - cx) + Math.PI) / (2 * Math.PI)
  return Math.floor(a * n * 2) % 2 === 0
}
const union = (...fs) => (x, y) => fs.some((f) => f(x, y))

const GLYPHS = {
  offline: ring(0.5, 0.5, 0.42, 0.11),
  joining: union(arcs(0.5, 0.5, 0.42, 0.11, 6), disc(0.5, 0.5, 0.1)),
  alone: union(ring(0.5, 0.5, 0.42, 0.09), disc(0.5, 0.5, 0.2)),
  neighbours: union(disc(0.5, 0.5, 0.2), disc(0.16, 0.2, 0.12), disc(0.84, 0.2, 0.12), disc(0.5, 0.88, 0.12))
}
// Colours per state: [light menu bar, dark menu bar]
const COLOURS = {
  offline: [[0.45, 0.45, 0.48], [0.75, 0.75, 0.78]],
  joining: [[0.85, 0.55, 0.05], [1.0, 0.75, 0.25]],
  alone: [[0.2, 0.45, 0.85], [0.45, 0.7, 1.0]],
  neighbours: [[0.1, 0.6, 0.3], [0.35, 0.85, 0.5]]
}

function render(size, shape, rgb) {
  const px = new Float32Array(size * size * 4)
  const S = 4
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hit = 0
      for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) if (shape((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size)) hit++
      const o = (y * size + x) * 4
      px[o] = rgb[0]
      px[o + 1] = rgb[1]
      px[o + 2] = rgb[2]
      px[o + 3] = hit / (S * S)
    }
  }
  return encodePng(size, px)
}

mkdirSync(out, { recursive: true })
const written = []
function write(name, bytes) {
  writeFileSync(join(out, name), bytes)
  written.push(name)
}
for (const [state, shape] of Object.entries(GLYPHS)) {
  for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
    write(`tray-${state}Template${suffix}.png`, render(size, shape, [0, 0, 0]))
    write(`tray-${state}-light${suffix}.png`, render(size, shape, COLOURS[state][0]))
    write(`tray-${state}-dark${suffix}.png`, render(size, shape, COLOURS[state][1]))
  }
}
// App icon: a green disc with three neighbour dots on a rounded dark square.
const roundedSquare = (x, y) => {
  const r = 0.18
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - r - 0.03), 0)
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - r - 0.03), 0)
  return Math.hypot(qx, qy) <= r
}
const appSize = 512
const app = new Float32Array(appSize * appSize * 4)
{
  const S = 2
  const fg = GLYPHS.neighbours
  for (let y = 0; y < appSize; y++) {
    for (let x = 0; x < appSize; x++) {
      let back = 0
      let front = 0
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = (x + (sx + 0.5) / S) / appSize
          const v = (y + (sy + 0.5) / S) / appSize
          if (roundedSquare(u, v)) back++
          if (fg((u - 0.2) / 0.6, (v - 0.2) / 0.6) && u > 0.2 && u < 0.8 && v > 0.2 && v < 0.8) front++
        }
      }
      const a = back / (S * S)
      const f = front / (S * S)
      const o = (y * appSize + x) * 4
      app[o] = 0.12 * (1 - f) + 0.35 * f
      app[o + 1] = 0.14 * (1 - f) + 0.85 * f
      app[o + 2] = 0.2 * (1 - f) + 0.5 * f
      app[o + 3] = a
    }
  }
}
write('icon.png', encodePng(appSize, app))
console.log(`wrote ${written.length} icons to ${out}`)
