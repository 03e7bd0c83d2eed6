import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { FAT32_MAX_FILE, parseSplitSize } from '../../../../src/transports/split/size-spec.js';

describe('parseSplitSize', () => {
  it('reads bytes, binary units, fractions and fat32', () => {
    assert.equal(parseSplitSize('1048576'), 1048576);
    assert.equal(parseSplitSize('700M'), 700 * 1024 * 1024);
    assert.equal(parseSplitSize('4G'), 4 * 1024 ** 3);
    assert.equal(parseSplitSize('4GiB'), 4 * 1024 ** 3);
    assert.equal(parseSplitSize('1.5G'), 1.5 * 1024 ** 3);
    assert.equal(parseSplitSize('64k'), 65536);
    assert.equal(parseSplitSize('fat32'), 4 * 1024 ** 3 - 1);
    assert.equal(FAT32_MAX_FILE, 4294967295);
  });

  it('refuses nonsense and tiny parts with a usage error naming the flag', () => {
    for (const bad of ['', 'big', '4X', '-1M', '1e9', '100']) {
      assert.throws(
        () => parseSplitSize(bad),
        (e: unknown) => e instanceof BalerError && e.code === 'E_USAGE' && e.message.startsWith(`--split ${JSON.stringify(bad)}`),
        bad,
      );
    }
    assert.throws(() => parseSplitSize('9999999999999999999999'), { code: 'E_USAGE', message: '--split "9999999999999999999999": too large a size' });
    assert.throws(() => parseSplitSize('100'), { code: 'E_USAGE', message: '--split "100": parts must be at least 4096 bytes' });
  });
});
