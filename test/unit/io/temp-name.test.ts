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
  parseTempTailBeside,
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
    const tail = basename(path).slice('.out.tar.'.length);
    assert.deepEqual(parseTempTailBeside(tail), { kind: 'owned', owner: me });
    assert.deepEqual(parseTempTailBeside(`003.${tail}`), { kind: 'owned', owner: me }, 'a split part');
    assert.deepEqual(parseTempTailBeside('baler-tmp-0123456789ab'), { kind: 'unowned' });
    assert.equal(parseTempTailBeside('baler-tmp-notapid'), undefined);
    assert.deepEqual(parseTempNameBeside(basename(ownedTempName('/x/index.json'))), { owner: me });
    assert.deepEqual(parseTempNameBeside('.index.json.baler-tmp-0123456789ab'), { owner: undefined });
    assert.equal(parseTempNameBeside('index.json'), undefined);
  });

  test('a private temp dir names its owner (mkdtemp adds six characters); an older one has no tag', () => {
    assert.deepEqual(tempDirOwner(`${ownedTempDirPrefix('baler-archive-')}Ab12Cd`), me);
    assert.deepEqual(tempDirOwner('baler-archive-4242.Ab12Cd'), { pid: 4242, tag: undefined });
    assert.equal(tempDirOwner('other-4242.Ab12Cd'), undefined);
  });
});
