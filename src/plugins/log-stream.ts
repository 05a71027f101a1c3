// Where the log's lines go: stdout through pino's own destination (sonic-boom, which writes through libuv's
// thread pool), handed the lines of one event-loop turn at once. Handed each line as it came, at
// LOG_LEVEL=info it cost about a tenth of a small request (a pool thread woken per write, on the same core,
// and sonic-boom measuring its whole pending buffer again for each line; bench/RESULTS.md).
import pino from 'pino'

/** What pino needs of a destination, and what this one gives it. */
export interface LineSink {
  write(text: string): unknown
  flush(callback?: (error?: Error) => void): void
  flushSync(): void
}

/** Collects the lines written during a turn of the event loop and hands them on together when it ends. */
export class TurnBatchedStream implements LineSink {
  readonly #destination: LineSink
  #pending = ''

  constructor(destination: LineSink) {
    this.#destination = destination
  }

  write(text: string): boolean {
    if (this.#pending === '') setImmediate(this.#handOver)
    this.#pending += text
    return true
  }

  /** Hands the pending lines on now and asks the destination to write what it holds. */
  flush(callback?: (error?: Error) => void): void {
    this.#handOver()
    this.#destination.flush(callback)
  }

  /** Writes every pending line before returning: for the process's exit, when no turn comes. */
  flushSync(): void {
    this.#handOver()
    this.#destination.flushSync()
  }

  readonly #handOver = (): void => {
    if (this.#pending === '') return
    const text = this.#pending
    this.#pending = ''
    this.#destination.write(text)
  }
}

let stdout: TurnBatchedStream | undefined

/** The process's one stdout log stream; whatever is pending when the process exits is written first. */
export function stdoutLogStream(): TurnBatchedStream {
  if (!stdout) {
    const stream = new TurnBatchedStream(pino.destination())
    process.on('exit', () => stream.flushSync())
    stdout = stream
  }
  return stdout
}
