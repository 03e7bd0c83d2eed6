import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in test/helpers/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const fixturesDir = join(repoRoot, 'fixtures');

/** Absolute path of a committed fixture; fails loudly when it is missing so a test never passes vacuously. */
export function fixture(name: string): string {
  const p = join(fixturesDir, name);
  if (!existsSync(p)) throw new Error(`fixture ${name} is missing; regenerate with fixtures/make-fixtures.sh`);
  return p;
}

/**
 * dockerd-up.sh from the shared tools folder that sits beside the clone (CI: ../shared; here /work/shared).
 * BALER_DOCKERD_UP overrides it.
 */
export function dockerdUpScript(): string | undefined {
  const candidates = [process.env.BALER_DOCKERD_UP, join(repoRoot, '..', 'shared', 'tools', 'dockerd-up.sh'), '/work/shared/tools/dockerd-up.sh'];
  return candidates.find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p));
}
