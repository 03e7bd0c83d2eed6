/**
 * Every error a user can cause is a BalerError with a stable code; the CLI prints its one-line message
 * and maps the code to an exit status. Anything else that escapes is a bug and is reported as
 * "Internal error".
 */
export type ErrorCode =
  | 'E_USAGE' // bad flags or arguments
  | 'E_NOT_FOUND' // image, file, blob or container does not exist
  | 'E_FORMAT' // input is not in a format baler understands, or is malformed
  | 'E_TRUNCATED' // input ends early
  | 'E_UNSUPPORTED' // understood but not supported (media type, driver, compression)
  | 'E_DIGEST_MISMATCH' // content does not hash to what it claims
  | 'E_PATH_ESCAPE' // an entry or link would leave its root
  | 'E_CONFLICT' // the target exists or a name is ambiguous
  | 'E_LOCKED' // another process holds the store lock
  | 'E_STORE_CORRUPT' // fsck found a problem
  | 'E_IO' // file system or peer I/O failed (permissions, disk full, socket)
  | 'E_PEER' // an external tool or daemon answered with an error
  | 'E_CANCELLED' // the user interrupted
  | 'E_INTERNAL'; // a bug

/**
 * What a failed or interrupted run left behind, as data: the CLI turns it into the end of the error line
 * (cli/render/error-text.ts), so no code edits another's sentence. `kept`: 'nothing' (everything partial
 * was removed) or 'resumable' (verified work kept on purpose for --resume); absent, the error makes no
 * claim. `notUndone`: what the run tried and failed to undo (a registry that keeps an upload session).
 */
export interface LeftBehind {
  readonly kept?: 'nothing' | 'resumable';
  readonly notUndone?: readonly string[];
}

export class BalerError extends Error {
  readonly code: ErrorCode;
  readonly leftBehind: LeftBehind | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; leftBehind?: LeftBehind }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.leftBehind = options?.leftBehind;
    this.name = 'BalerError';
  }
}

/** Documented in man/baler.1.md ("EXIT STATUS"); keep both in step. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  badInput: 4,
  integrity: 5,
  io: 6,
  conflict: 7,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitDocs: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.ok, 'success'],
  [ExitCode.internal, 'internal error (a bug; run with BALER_DEBUG=1 and report it)'],
  [ExitCode.usage, 'bad command line'],
  [ExitCode.notFound, 'an image, file, blob or container was not found'],
  [ExitCode.badInput, 'the input is malformed, truncated or unsupported'],
  [ExitCode.integrity, 'a digest did not match, or fsck/verify found problems'],
  [ExitCode.io, 'an I/O, permission or peer (daemon, tool) failure'],
  [ExitCode.conflict, 'the target exists, a name is ambiguous, or the store (or the partial file of save --resume) is locked'],
  [ExitCode.cancelled, 'interrupted (SIGINT or SIGTERM); nothing partial was left behind (with --resume, verified work is kept to continue from; what could not be undone, such as an upload a registry keeps, is named instead)'],
];

export function exitCodeFor(err: unknown): ExitCode {
  if (!(err instanceof BalerError)) return ExitCode.internal;
  switch (err.code) {
    case 'E_USAGE':
      return ExitCode.usage;
    case 'E_NOT_FOUND':
      return ExitCode.notFound;
    case 'E_FORMAT':
    case 'E_TRUNCATED':
    case 'E_UNSUPPORTED':
    case 'E_PATH_ESCAPE':
      return ExitCode.badInput;
    case 'E_DIGEST_MISMATCH':
    case 'E_STORE_CORRUPT':
      return ExitCode.integrity;
    case 'E_IO':
    case 'E_PEER':
      return ExitCode.io;
    case 'E_CONFLICT':
    case 'E_LOCKED':
      return ExitCode.conflict;
    case 'E_CANCELLED':
      return ExitCode.cancelled;
    case 'E_INTERNAL':
      return ExitCode.internal;
  }
}

/** Turns Node's system errors (ENOENT, EACCES, ENOSPC…) into one-line user errors naming the path. */
export function fromSystemError(err: unknown, what: string): BalerError {
  if (err instanceof BalerError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new BalerError('E_NOT_FOUND', `${what}: no such file or directory`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new BalerError('E_IO', `${what}: permission denied`, { cause: err });
    case 'ENOSPC':
      return new BalerError('E_IO', `${what}: no space left on device`, { cause: err });
    case 'EISDIR':
      return new BalerError('E_USAGE', `${what}: is a directory`, { cause: err });
    case 'ENOTDIR':
      return new BalerError('E_NOT_FOUND', `${what}: not a directory`, { cause: err });
    case 'EEXIST':
      return new BalerError('E_CONFLICT', `${what}: already exists`, { cause: err });
    case 'EPIPE':
      return new BalerError('E_IO', `${what}: broken pipe`, { cause: err });
    default:
      if (e && typeof e.code === 'string') return new BalerError('E_IO', `${what}: ${e.message}`, { cause: err });
      return new BalerError('E_INTERNAL', `Internal error: ${what}: ${String((err as Error)?.message ?? err)}`, { cause: err });
  }
}

export function isAbortError(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError' || (err instanceof BalerError && err.code === 'E_CANCELLED');
}
