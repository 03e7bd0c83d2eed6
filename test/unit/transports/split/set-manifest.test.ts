import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { isFirstPartName, manifestPathFor, outputOfPart, parseSetManifest, partPath, serializeSetManifest, type SplitSetManifest } from '../../../../src/transports/split/set-manifest.js';

const good: SplitSetManifest = {
  kind: 'baler-split-set',
  version: 1,
  compression: 'none',
  totalSize: 15,
  partSize: 10,
  parts: [
    { name: 'set.tar.001', size: 10, sha256: 'a'.repeat(64) },
    { name: 'set.tar.002', size: 5, sha256: 'b'.repeat(64) },
  ],
};

describe('split set names', () => {
  it('numbers parts after the -o path and names the JSON after the archive without .tar', () => {
    assert.equal(partPath('/m/set.tar', 1), '/m/set.tar.001');
    assert.equal(partPath('/m/set.tar', 1234), '/m/set.tar.1234');
    assert.equal(manifestPathFor('/m/set.tar'), '/m/set.baler.json');
    assert.equal(manifestPathFor('/m/set.tar.zst'), '/m/set.baler.json');
    assert.equal(manifestPathFor('/m/set.tgz'), '/m/set.baler.json');
    assert.equal(manifestPathFor('/m/set'), '/m/set.baler.json');
    assert.equal(outputOfPart('/m/set.tar.zst.002'), '/m/set.tar.zst');
    assert.equal(outputOfPart('/m/set.tar'), undefined);
    assert.ok(isFirstPartName('/m/set.tar.001'));
    assert.ok(!isFirstPartName('/m/set.tar.002'));
    assert.ok(!isFirstPartName('/m/set.tar.1'));
  });
});

describe('parseSetManifest', () => {
  it('round-trips what serializeSetManifest writes', () => {
    assert.deepEqual(parseSetManifest(serializeSetManifest(good), 'set.baler.json'), good);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['a part name with a directory', { ...good, parts: [{ ...good.parts[0], name: '../etc/passwd' }, good.parts[1]] }, /parts\[0\]\.name/],
    ['sizes that do not add up', { ...good, totalSize: 99 }, /add up to 15 bytes, totalSize says 99/],
    ['a bad sha256', { ...good, parts: [{ ...good.parts[0], sha256: 'xyz' }, good.parts[1]] }, /parts\[0\]\.sha256/],
    ['another kind of JSON', { kind: 'something' }, /kind is "something"/],
    ['a part listed twice', { ...good, parts: [good.parts[0], { ...good.parts[1], name: 'set.tar.001' }] }, /parts\[1\] names set\.tar\.001 again, as parts\[0\] does/],
  ];
  for (const [name, doc, re] of cases) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseSetManifest(Buffer.from(JSON.stringify(doc)), 'set.baler.json'),
        (e: unknown) => e instanceof BalerError && e.code === 'E_FORMAT' && e.message.startsWith('set.baler.json: ') && re.test(e.message),
      );
    });
  }

  it('says a newer version is unsupported', () => {
    assert.throws(
      () => parseSetManifest(Buffer.from(JSON.stringify({ ...good, version: 2 })), 'x.baler.json'),
      (e: unknown) => e instanceof BalerError && e.code === 'E_UNSUPPORTED',
    );
  });
});
