// Gives memory back to the system once the server goes idle after work. V8 keeps what the work grew: the
// young generation at its peak size, old-space pages committed. Its memory reducer, which should give them
// back, collects ~8-17 s after start-up or a burst (`node --trace-memory-reducer`; it shrinks the young
// generation, hence the start script's --min-semi-space-size), yet a restart left alone still holds 160 MB
// of RSS 25 s after ready. Here, an interval with the event loop idle after the heap grew runs the collection
// V8 keeps for low memory (compacting, shrinking both generations) once; more work re-arms it. Start-up alone
// leaves ~40 MB of such memory (RSS 153 -> 111 MB on a restart in `npm run bench:startup`, with
// MEMORY_RELEASE_IDLE=5). Not free: the collection discards the optimized code of the hot path, so the next
// traffic's first seconds run 5-16% slower while V8 optimizes it again, which is why the default interval is
// minutes. (It also frees shapes no live object has; that cost /health/live a third for good until
// src/tick-shape.ts kept a tick alive.)
import { performance } from 'node:perf_hooks'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// Below this share of the interval busy, the loop counts as idle: probes and timers, no real work.
const IDLE_UTILIZATION = 0.01
// Heap growth since the last release that makes another one worth its pause.
const GROWTH_BYTES = 16 * 1024 * 1024

export interface MemoryRelease {
  heapBefore: number
  heapAfter: number
  ms: number
}

type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void

// V8's gc() taken from a fresh context, so that no global of the application's gains it. Undefined if V8
// refuses (not seen on Node 24): releasing memory is an economy and must never stop the server.
function collector(): Collect | undefined {
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    return typeof gc === 'function' ? (gc as Collect) : undefined
  } catch {
    return undefined
  }
}

/**
 * Every `intervalMs`, releases memory if the loop was idle and the heap grew. Returns a stop function, or
 * undefined when this process cannot run V8's collection.
 */
export function releaseMemoryWhenIdle(
  intervalMs: number,
  onRelease: (release: MemoryRelease) => void,
): (() => void) | undefined {
  const collect = collector()
  if (!collect) return undefined
  let released = 0
  let last = performance.eventLoopUtilization()
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization()
    const { utilization } = performance.eventLoopUtilization(now, last)
    last = now
    const heapBefore = getHeapStatistics().total_physical_size
    if (utilization >= IDLE_UTILIZATION || heapBefore < released + GROWTH_BYTES) return
    const start = performance.now()
    collect({ type: 'major', execution: 'sync', flavor: 'last-resort' })
    released = getHeapStatistics().total_physical_size
    onRelease({ heapBefore, heapAfter: released, ms: performance.now() - start })
    // The collection's own time is not the application's work.
    last = performance.eventLoopUtilization()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
