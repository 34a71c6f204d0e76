/**
 * Golden vectors live beside the repository in ../shared/vectors (CI clones main with shared/
 * next to it). Tests read them at run time and never paste expected values.
 */
import { readFileSync, existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export const sharedDir = process.env.NARA_SHARED_DIR ?? resolve(repoRoot, '../shared')
export const vectorsDir = resolve(sharedDir, 'vectors')

export interface VectorFile<C> {
  about: string
  cases: C[]
}

export function loadVectors<C = Record<string, any>>(file: string): VectorFile<C> {
  const path = resolve(vectorsDir, file)
  if (!existsSync(path)) throw new Error(`golden vectors not found at ${path} (set NARA_SHARED_DIR)`)
  return JSON.parse(readFileSync(path, 'utf8')) as VectorFile<C>
}

/** The supplementary set in ../shared/protocol/data/test-vectors.json. */
export function loadProtocolTestVectors(): Record<string, any> {
  return JSON.parse(readFileSync(resolve(sharedDir, 'protocol/data/test-vectors.json'), 'utf8'))
}

export { repoRoot }
