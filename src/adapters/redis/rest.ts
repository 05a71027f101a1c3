// After a failed call, leave a dependency alone for a while: a hung server then costs one timeout per rest
// period, not one per request. Shared by the limiter's fallback and the event bus.
export class RestAfterFailure {
  readonly #ms: number
  readonly #now: () => number
  #until = 0

  constructor(ms = 1000, now: () => number = Date.now) {
    this.#ms = ms
    this.#now = now
  }

  /** True while calls should not be tried. */
  get resting(): boolean {
    return this.#now() < this.#until
  }

  failed(): void {
    this.#until = this.#now() + this.#ms
  }
}
