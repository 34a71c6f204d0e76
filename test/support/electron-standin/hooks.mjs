// Module hooks for running the built Electron main (out/main/index.js) under plain Node in tests:
// `electron` resolves to the stand-in next to this file. Everything else resolves as usual.
const standIn = new URL('./electron.mjs', import.meta.url).href

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true, format: 'module' }
  return next(specifier, context)
}
