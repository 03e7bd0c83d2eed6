import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { decodeRawHeader, encodeUstarBlock, splitUstarName, type UstarFields } from '../../../src/tar/header.js';
import { encodePaxRecords, parsePaxRecords } from '../../../src/tar/pax.js';

const fields: UstarFields = {
  name: 'file.txt',
  prefix: 'some/dir',
  mode: 0o40755,
  uid: 1000,
  gid: 100,
  size: 12345,
  mtime: 1700000000,
  typeflag: '0',
  linkname: '',
  uname: 'user',
  gname: 'users',
  devmajor: 0,
  devminor: 0,
};

function withChecksum(b: Buffer): Buffer {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

describe('ustar header encode/decode', () => {
  test('round trip joins the prefix and keeps every field', () => {
    const raw = decodeRawHeader(encodeUstarBlock(fields), 0, 't.tar');
    const { prefix: _prefix, ...rest } = fields;
    assert.deepEqual(raw, { ...rest, name: 'some/dir/file.txt', mode: 0o755, format: 'ustar' });
  });

  test('base-256 numbers (GNU) decode, positive and negative', () => {
    const b = encodeUstarBlock({ ...fields, prefix: '' });
    // size = 2^40 in base-256 over 12 bytes
    b.fill(0, 124, 136);
    b[124] = 0x80;
    b[136 - 6] = 1;
    // mtime = -1 in base-256
    b.fill(0xff, 136, 148);
    const raw = decodeRawHeader(withChecksum(b), 0, 't.tar');
    assert.equal(raw.size, 2 ** 40);
    assert.equal(raw.mtime, -1);
  });

  test('checksum failure: first header = not a tar, later = offset named', () => {
    const b = encodeUstarBlock(fields);
    b[0] = b[0]! ^ 1;
    assert.throws(() => decodeRawHeader(b, 0, 'x.tar'), (e: unknown) => e instanceof BalerError && e.code === 'E_FORMAT' && e.message === 'x.tar: not a tar archive');
    assert.throws(() => decodeRawHeader(b, 4096, 'x.tar'), { message: 'x.tar: bad header checksum at offset 4096' });
  });

  test('a non-octal numeric field is E_FORMAT naming the field', () => {
    const b = encodeUstarBlock(fields);
    b.write('12x45670', 108, 'ascii');
    assert.throws(() => decodeRawHeader(withChecksum(b), 512, 'x.tar'), { message: 'x.tar: invalid uid field in header at offset 512' });
  });

  test('splitUstarName splits at a slash only when both parts fit', () => {
    assert.deepEqual(splitUstarName('short'), { prefix: '', name: 'short' });
    const long = `${'a'.repeat(120)}/${'b'.repeat(90)}`;
    assert.deepEqual(splitUstarName(long), { prefix: 'a'.repeat(120), name: 'b'.repeat(90) });
    assert.equal(splitUstarName('c'.repeat(101)), undefined);
    assert.equal(splitUstarName(`${'a'.repeat(200)}/b`), undefined);
  });
});

describe('PAX records', () => {
  test('round trip, including lengths that cross a digit boundary and UTF-8', () => {
    for (let n = 1; n < 120; n++) {
      const rec = { path: 'p'.repeat(n), 'SCHILY.xattr.user.a': 'v', comment: 'ünïcødé' };
      const bytes = encodePaxRecords(rec);
      assert.deepEqual(parsePaxRecords(bytes, 'x', 0), rec);
    }
  });

  test('malformed records are E_FORMAT', () => {
    for (const bad of ['10 path=ab\n', '5 pa', 'x path=a\n', '9 nokey\n']) {
      assert.throws(() => parsePaxRecords(Buffer.from(bad), 'p.tar', 1024), (e: unknown) => e instanceof BalerError && e.code === 'E_FORMAT' && e.message.startsWith('p.tar: malformed PAX'));
    }
  });
});
