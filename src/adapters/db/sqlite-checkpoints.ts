// The main thread's side of the checkpoint worker (sqlite-checkpointer.js). The worker runs while the
// connection writes and stops after `idleMs` without a change: a second isolate costs 12-13 MB of RSS
// and, started with the server, competes with its start-up for the core (npm run bench:startup -- 3:
// idle 141 -> 129 MB without it). The connection's total_changes() is read every interval to see writes.
import { Worker } from 'node:worker_threads'

export interface CheckpointsOptions {
  path: string
  intervalMs: number
  busyTimeoutMs: number
  /** WAL frames past which the worker asks for a restart (onWalFull). */
  restartFrames: number
  /** How long without a change before the worker stops. */
  idleMs: number
  /** Rows changed by the writing connection since it opened (SQLite's total_changes()). */
  changes: () => number
  onWalFull: () => void
  onFailed: (error: Error) => void
}

// How long restartWal() waits for the worker (which waits at most 1 s for the locks) before giving up on it.
const RESTART_WAIT_MS = 6000

interface Running {
  worker: Worker
  // Set by the worker once its connection is closed.
  stopped: Int32Array
}

export class Checkpoints {
  readonly #options: CheckpointsOptions
  readonly #timer: NodeJS.Timeout
  #running: Running | undefined
  // Workers told to stop that have not exited yet: close() waits for them too.
  readonly #stopping = new Set<Running>()
  #changes: number
  #quietMs = 0

  constructor(options: CheckpointsOptions) {
    this.#options = options
    this.#changes = options.changes()
    this.#timer = setInterval(() => this.#watch(), options.intervalMs).unref()
  }

  get running(): boolean {
    return this.#running !== undefined
  }

  #watch(): void {
    let changes: number
    try {
      changes = this.#options.changes()
    } catch {
      return // the connection is failing; its own statements report that
    }
    if (changes !== this.#changes) {
      this.#changes = changes
      this.#quietMs = 0
      if (!this.#running) this.#start()
    } else if (this.#running) {
      this.#quietMs += this.#options.intervalMs
      if (this.#quietMs >= this.#options.idleMs) this.#stop(this.#running)
    }
  }

  #start(): void {
    const { path, intervalMs, busyTimeoutMs, restartFrames, onWalFull, onFailed } = this.#options
    const stopped = new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), {
      workerData: { path, intervalMs, busyTimeoutMs, restartFrames, stopped },
    })
    const running = { worker, stopped }
    this.#running = running
    // It must not keep the process alive, and a failed checkpoint is tried again at the next interval.
    worker.unref()
    worker.on('message', (message: { failed?: string; walFrames?: number }) => {
      if (message.failed) onFailed(new Error(`WAL checkpoint: ${message.failed}`))
      if (message.walFrames !== undefined) onWalFull()
    })
    // A worker that died (its connection could not open) is replaced at the next change.
    worker.on('error', (error) => onFailed(new Error(`WAL checkpoint worker: ${error.message}`)))
    worker.once('exit', () => {
      this.#stopping.delete(running)
      if (this.#running === running) this.#running = undefined
    })
  }

  #stop(running: Running): void {
    if (this.#running === running) this.#running = undefined
    this.#stopping.add(running)
    running.worker.postMessage('stop')
  }

  /**
   * Has the worker copy the rest of the WAL into the file and start it over; false when it could not or
   * is not running. The caller holds every write until this resolves: the worker takes the write lock.
   */
  restartWal(): Promise<boolean> {
    const worker = this.#running?.worker
    if (!worker) return Promise.resolve(false)
    return new Promise((resolve) => {
      const done = (restarted: boolean) => {
        clearTimeout(timer)
        worker.off('message', answered)
        worker.off('exit', gone)
        resolve(restarted)
      }
      const answered = (message: { restarted?: boolean }) => {
        if (message.restarted !== undefined) done(message.restarted)
      }
      const gone = () => done(false)
      const timer = setTimeout(gone, RESTART_WAIT_MS).unref()
      worker.on('message', answered)
      worker.once('exit', gone)
      worker.postMessage('restart')
    })
  }

  /**
   * Stops every worker and waits, at most `waitMs` in all, for their connections to close: the writing
   * connection, closing last, then checkpoints what is left and removes the WAL.
   */
  close(waitMs: number): void {
    clearInterval(this.#timer)
    if (this.#running) this.#stop(this.#running)
    const deadline = performance.now() + waitMs
    for (const { stopped } of this.#stopping) {
      Atomics.wait(stopped, 0, 0, Math.max(0, deadline - performance.now()))
    }
  }
}
