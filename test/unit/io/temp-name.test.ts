import { strict as assert } from 'node:assert';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { ownerTag } from '../../../src/io/owner.js';
import {
  isTempBlobName,
  ownedTempDirPrefix,
  ownedTempName,
  ownTempBlobPrefix,
  ownTempPrefixBeside,
  parseTempNameBeside,
  tempBlobName,
  tempBlobOwner,
  tempDirOwner,
} from '../../../src/io/temp-name.js';

/** Every temp name baler makes reads back as made by this process, on this host. */
describe('temp names', () => {
  const me = { pid: process.pid, tag: ownerTag() };

  test('a temp blob (and a lease) names its owner', () => {
    const name = tempBlobName();
    assert.match(name, new RegExp(`^\\.baler-tmp-${process.pid}-${ownerTag()}[0-9a-f]{8}$`));
    assert.ok(isTempBlobName(name) && name.startsWith(ownTempBlobPrefix()));
    assert.deepEqual(tempBlobOwner(name), me);
    assert.deepEqual(tempBlobOwner(`${name}.lease`), me);
    assert.equal(tempBlobOwner('.baler-tmp-0123456789ab'), undefined, 'an older name without a pid');
    assert.equal(isTempBlobName('0123'), false);
  });

  test('a temp file beside a target names its owner; older names read as unowned; others are not ours', () => {
    const path = ownedTempName(join('/some/dir', 'out.tar'));
    assert.ok(path.startsWith(ownTempPrefixBeside('/some/dir/out.tar')));
    const name = basename(path);
    const tail = name.slice('.out.tar.'.length);
    const owned = { kind: 'owned', owner: me, part: false };
    assert.deepEqual(parseTempNameBeside(name, 'out.tar'), owned);
    assert.deepEqual(parseTempNameBeside(name), owned, 'beside a target not named');
    assert.deepEqual(parseTempNameBeside(`.out.tar.003.${tail}`, 'out.tar'), { ...owned, part: true }, 'a split part');
    assert.equal(parseTempNameBeside(name, 'other.tar'), undefined, "another target's");
    assert.deepEqual(parseTempNameBeside('.out.tar.baler-tmp-0123456789ab', 'out.tar'), { kind: 'unowned', part: false }, 'a file of a baler before pids');
    assert.deepEqual(parseTempNameBeside('.store.baler-tmp-Ab12Cd', 'store'), { kind: 'unowned', part: false }, "an older baler's layout dir (mkdtemp)");
    assert.deepEqual(parseTempNameBeside('.index.json.baler-tmp-0123456789ab'), { kind: 'unowned', part: false });
    // one shape: 12 hex digits after the pid, no more, no fewer
    assert.equal(parseTempNameBeside(`.out.tar.baler-tmp-${process.pid}-${ownerTag()}0badcafe0`, 'out.tar'), undefined);
    assert.equal(parseTempNameBeside(`.index.json.baler-tmp-${process.pid}-${ownerTag()}0bad`), undefined);
    assert.equal(parseTempNameBeside('.out.tar.baler-tmp-notapid', 'out.tar'), undefined);
    assert.equal(parseTempNameBeside('index.json'), undefined);
  });

  test('a private temp dir names its owner (mkdtemp adds six characters); an older one has no tag', () => {
    assert.deepEqual(tempDirOwner(`${ownedTempDirPrefix('baler-archive-')}Ab12Cd`), me);
    assert.deepEqual(tempDirOwner('baler-archive-4242.Ab12Cd'), { pid: 4242, tag: undefined });
    assert.equal(tempDirOwner('other-4242.Ab12Cd'), undefined);
  });
});
