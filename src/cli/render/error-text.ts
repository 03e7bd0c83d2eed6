import type { BalerError, ErrorCode, ExitCode, LeftBehind } from '../../errors.js';

/** The end of an error line that says what the run left behind; empty when the error makes no claim. */
function leftBehindClauses(a: LeftBehind | undefined): string[] {
  if (!a) return [];
  const notUndone = a.notUndone ?? [];
  const clauses: string[] = [];
  if (a.kept === 'resumable') clauses.push('verified work was kept; run the same command with --resume to continue');
  // "nothing" stops being true once something could not be undone: those things are named instead
  if (a.kept === 'nothing' && notUndone.length === 0) clauses.push('nothing partial was left behind');
  return [...clauses, ...notUndone];
}

/** A user error's one line, without the `baler: ` prefix: its message, then what it left behind. */
export function errorText(err: BalerError): string {
  return [err.message, ...leftBehindClauses(err.leftBehind)].join('; ');
}

/**
 * What a failed `--json` run prints on stdout instead of its result: `{"error": {code, message, exit}}`,
 * the same fields as verify's `problem`. Documented in README.md ("Exit codes") and in --json's help
 * (cli/spec.ts globalFlags, so every man page).
 */
export interface ErrorJson {
  error: { code: ErrorCode; message: string; exit: ExitCode };
}

export function errorJson(code: ErrorCode, message: string, exit: ExitCode): ErrorJson {
  return { error: { code, message, exit } };
}
