import { createRequire } from 'node:module';
import { repoRoot } from './paths.js';

/**
 * Whether tests of the ISA-L addon's paths (gunzip, CRC-64) skip: false when it (native/isal) loads. CI
 * installs libisal-dev, so there a missing addon is a failure, not a skip: the tests run and fail on it.
 */
export function isalSkipReason(): string | false {
  try {
    createRequire(import.meta.url)(`${repoRoot}/native/isal/build/Release/baler_isal.node`);
    return false;
  } catch (err) {
    if (process.env.CI) return false;
    return `the ISA-L addon is not built (apt-get install libisal-dev, then npm ci): ${(err as Error).message.split('\n')[0]}`;
  }
}
