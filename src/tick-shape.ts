// Keeps one of Node's tick objects alive for the life of the process. `process.nextTick` builds each as an
// object literal with symbol keys, and V8 remembers the shape such a literal's keys are added to as one shape
// or as "any", nothing between. A memory-reducing collection (V8's memory reducer at idle, or
// src/memory-release.ts) frees the shapes when no tick is queued; the next tick makes them anew, V8 records
// "any" for good, and each key is added by a call into the runtime: `process.nextTick` 3.5-6 times slower
// and `/health/live` a third slower for as long as the process lives (bench/RESULTS.md). A live tick object
// holds its shapes. Most fresh processes were slowed alike before any such collection (bare Fastify's hello
// 64-70k against 82-88k req/s with one kept; why is not yet known), and keeping one helps them as much.
// It is taken inside a tick, where the running resource is the tick itself; an async hook would also see
// it, but enabling one even briefly slows every promise afterwards (~11%).
import { executionAsyncResource } from 'node:async_hooks'

let kept: object | undefined

export async function keepTickShape(): Promise<object> {
  kept ??= await new Promise<object>((resolve) => process.nextTick(() => resolve(executionAsyncResource())))
  return kept
}
