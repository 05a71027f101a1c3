// Failures the domain reports. Each transport maps `code` to its own shape (HTTP problem, GraphQL error, WS error).

export type DomainErrorCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition-failed'
  | 'invalid-input'
  | 'rate-limited'
  | 'unavailable'

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated'
  constructor(message = 'Sign in to do this.') {
    super(message)
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden'
}

export class NotFoundError extends DomainError {
  readonly code = 'not-found'
  constructor(what: string, id: string) {
    super(`${what} ${id} does not exist.`)
  }
}

export class ConflictError extends DomainError {
  readonly code = 'conflict'
  /** The field whose value is already taken, when one is. */
  readonly field: string | undefined
  constructor(message: string, field?: string) {
    super(message)
    this.field = field
  }
}

export class PreconditionFailedError extends DomainError {
  readonly code = 'precondition-failed'
}

export class InvalidInputError extends DomainError {
  readonly code = 'invalid-input'
  /** JSON pointer of the offending field, relative to the input. */
  readonly pointer: string
  constructor(pointer: string, message: string) {
    super(message)
    this.pointer = pointer
  }
}

/** A dependency (the database, a provider) cannot answer now: the caller may retry after a while. */
export class UnavailableError extends DomainError {
  readonly code = 'unavailable'
  /** Which dependency failed, for logs; never shown to clients. */
  readonly dependency: string
  readonly retryAfterSeconds: number
  constructor(dependency: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super('The service cannot answer now. Try again shortly.', { cause: options.cause })
    this.dependency = dependency
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5
  }
}
