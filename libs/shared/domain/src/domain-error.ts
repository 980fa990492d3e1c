/**
 * What kind of refusal an error is. The HTTP edge and the WebSocket gateway map kinds to statuses and
 * codes from one table (`@vgp/platform`'s `ERROR_KINDS`); contexts choose a kind, never a status.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

export type DomainErrorOptions = {
  /** A short human title; the kind's default when absent. */
  title?: string;
  /** Extra members of the problem object (ids and limits only: never personal data). */
  extensions?: Record<string, unknown>;
  /** Response headers the refusal needs (`Retry-After`, `Content-Range`). */
  headers?: Record<string, string>;
  cause?: unknown;
};

/**
 * The one base of every refusal a context raises. `code` is the problem type slug (stable, documented);
 * `message` is the detail a client developer can act on.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  readonly title: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  protected constructor(detail: string, options: DomainErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.title = options.title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  /** What the client is told; the message unless a subclass keeps its message for logs only. */
  get detail(): string {
    return this.message;
  }
}

/** Input the edge cannot accept (the framework's validation, a malformed header). */
export class InvalidRequest extends DomainError {
  readonly kind = 'invalid';
  constructor(
    readonly code: string,
    detail: string,
    options: DomainErrorOptions = {},
  ) {
    super(detail, { title: 'Invalid request', ...options });
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

/** A write lost to concurrent writers more times than the command handler's retry policy allows. */
export class ConcurrencyConflict extends DomainError {
  readonly code = 'concurrent-update';
  readonly kind = 'conflict';
  constructor(
    readonly streamId: string,
    cause?: unknown,
  ) {
    super('The resource changed while this request ran; nothing was changed. Retry the request.', { title: 'Concurrent update', cause });
  }
}
