export const SOURCES: string[]
export const OUTPUTS: string[]
export function buildNeeded(root: string): 'missing' | 'stale' | null
export function npmSpawn(platform?: NodeJS.Platform): { command: string; shell: boolean }
