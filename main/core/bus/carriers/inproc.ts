/** Two connected in-process carrier ends. Delivery is asynchronous, like every real transport. */
import { CarrierCore, type Carrier } from './carrier'

export function inprocPair<F = string>(): [Carrier<F>, Carrier<F>] {
  let a!: CarrierCore<F>
  let b!: CarrierCore<F>
  const closeBoth = (): void => {
    queueMicrotask(() => {
      a.markClosed()
      b.markClosed()
    })
  }
  a = new CarrierCore<F>((f) => queueMicrotask(() => b.deliver(f)), closeBoth)
  b = new CarrierCore<F>((f) => queueMicrotask(() => a.deliver(f)), closeBoth)
  return [a, b]
}
