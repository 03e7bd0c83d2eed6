import assert from 'node:assert/strict';
import { BalerError } from '../../src/errors.js';

/** Asserts that `p` rejects with a BalerError of `code` whose message equals (string) or matches (RegExp) `message`. */
export async function rejectsWith(p: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BalerError, `expected a BalerError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}
