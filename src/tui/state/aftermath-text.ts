import type { CopyAftermath } from '../tui-services.js';

/**
 * The words after a failed or cancelled copy: the error as the pipeline gave it, then only what
 * services found at the destination afterwards (aftermath.ts). Without such a check nothing is
 * claimed about what was left.
 */

/** The pipeline's own closing claim (`interrupted; nothing partial was left behind`). */
const NOTHING_LEFT = /[;,]?\s*(?:—\s*)?nothing partial was left behind\.?$/i;

/** What was found: the things left, or the phrase for a clean destination. */
export function aftermathClause(a: CopyAftermath, alreadySaid = ''): string | undefined {
  const left = a.left.filter((l) => !alreadySaid.includes(l));
  if (left.length > 0) return `left behind: ${left.join('; ')}`;
  // the error already says what was left (e.g. a registry that kept an upload): not contradicted here
  return a.left.length > 0 ? undefined : a.clean;
}

/** `✗ <error> — <what was found>`; the error's own "nothing partial" claim is kept only when the check agrees. */
export function failureText(message: string, a?: CopyAftermath): string {
  if (!a) return `✗ ${message}`;
  if (a.left.length === 0 && NOTHING_LEFT.test(message)) return `✗ ${message}`;
  const own = message.replace(NOTHING_LEFT, '').replace(/\.$/, '');
  const clause = aftermathClause(a, own);
  return clause ? `✗ ${own} — ${clause}` : `✗ ${own}`;
}

/** `Cancelled — <what was found>`. */
export function cancelledText(a?: CopyAftermath): string {
  const clause = a ? aftermathClause(a) : undefined;
  return clause ? `Cancelled — ${clause}` : 'Cancelled';
}
