// src/errors.ts
var BalerError = class extends Error {
  code;
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
    this.name = "BalerError";
  }
};
var ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  badInput: 4,
  integrity: 5,
  io: 6,
  conflict: 7,
  cancelled: 130
};
var exitDocs = [
  [ExitCode.ok, "success"],
  [ExitCode.internal, "internal error (a bug; run with BALER_DEBUG=1 and report it)"],
  [ExitCode.usage, "bad command line"],
  [ExitCode.notFound, "an image, file, blob or container was not found"],
  [ExitCode.badInput, "the input is malformed, truncated or unsupported"],
  [ExitCode.integrity, "a digest did not match, or fsck/verify found problems"],
  [ExitCode.io, "an I/O, permission or peer (daemon, tool) failure"],
  [ExitCode.conflict, "the target exists, a name is ambiguous, or the store is locked"],
  [ExitCode.cancelled, "interrupted (SIGINT); nothing partial was left behind"]
];
function exitCodeFor(err) {
  if (!(err instanceof BalerError)) return ExitCode.internal;
  switch (err.code) {
    case "E_USAGE":
      return ExitCode.usage;
    case "E_NOT_FOUND":
      return ExitCode.notFound;
    case "E_FORMAT":
    case "E_TRUNCATED":
    case "E_UNSUPPORTED":
    case "E_PATH_ESCAPE":
      return ExitCode.badInput;
    case "E_DIGEST_MISMATCH":
    case "E_STORE_CORRUPT":
      return ExitCode.integrity;
    case "E_IO":
    case "E_PEER":
      return ExitCode.io;
    case "E_CONFLICT":
    case "E_LOCKED":
      return ExitCode.conflict;
    case "E_CANCELLED":
      return ExitCode.cancelled;
    case "E_INTERNAL":
      return ExitCode.internal;
  }
}
function fromSystemError(err, what) {
  if (err instanceof BalerError) return err;
  const e = err;
  switch (e?.code) {
    case "ENOENT":
      return new BalerError("E_NOT_FOUND", `${what}: no such file or directory`, { cause: err });
    case "EACCES":
    case "EPERM":
      return new BalerError("E_IO", `${what}: permission denied`, { cause: err });
    case "ENOSPC":
      return new BalerError("E_IO", `${what}: no space left on device`, { cause: err });
    case "EISDIR":
      return new BalerError("E_USAGE", `${what}: is a directory`, { cause: err });
    case "ENOTDIR":
      return new BalerError("E_NOT_FOUND", `${what}: not a directory`, { cause: err });
    case "EEXIST":
      return new BalerError("E_CONFLICT", `${what}: already exists`, { cause: err });
    case "EPIPE":
      return new BalerError("E_IO", `${what}: broken pipe`, { cause: err });
    default:
      if (e && typeof e.code === "string") return new BalerError("E_IO", `${what}: ${e.message}`, { cause: err });
      return new BalerError("E_INTERNAL", `Internal error: ${what}: ${String(err?.message ?? err)}`, { cause: err });
  }
}
function isAbortError(err) {
  return err?.name === "AbortError" || err instanceof BalerError && err.code === "E_CANCELLED";
}

export {
  BalerError,
  ExitCode,
  exitCodeFor,
  fromSystemError,
  isAbortError
};
