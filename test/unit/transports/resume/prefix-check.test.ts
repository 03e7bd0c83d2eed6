import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { compressor } from '../../../../src/codecs/index.js';
import { MemberCompressor } from '../../../../src/codecs/member-compressor.js';
import { LayoutTarWriter } from '../../../../src/transports/layout-tar-writer.js';
import { TarPrefixCheck } from '../../../../src/transports/resume/prefix-check.js';
import type { JournalEntry } from '../../../../src/transports/resume/save-journal.js';
import { verifyPartial } from '../../../../src/transports/resume/verify-partial.js';

/** A layout tar of these blobs as the writer journals them (sizes 0, 1, 511, 512, 513 and bigger). */
async function journaledTar(): Promise<{ tar: Buffer; entries: JournalEntry[] }> {
  const out = new PassThrough();
  const collected = buffer(out);
  const entries: JournalEntry[] = [];
  const w = new LayoutTarWriter(out, 'test.tar', { kept: [], offset: 0, record: (e) => entries.push(e) });
  for (const n of [0, 1, 511, 512, 513, 70_000]) await w.putBytes(randomBytes(n), 'application/octet-stream');
  await w.addFile('index.json', Buffer.from('{}'));
  await w.finish();
  return { tar: await collected, entries };
}

function feedInChunks(check: TarPrefixCheck, bytes: Buffer, chunk = 321): void {
  for (let at = 0; at < bytes.length; at += chunk) check.feed(bytes.subarray(at, at + chunk));
}

function reader(bytes: Buffer): { reader: { read(b: Buffer, o: number, l: number, p: number): Promise<{ bytesRead: number }> }; size: number; what: string } {
  return {
    size: bytes.length,
    what: 'test.tar',
    reader: { read: async (b, o, l, p) => ({ bytesRead: bytes.copy(b, o, p, Math.min(p + l, bytes.length)) }) },
  };
}

describe('TarPrefixCheck / verifyPartial', () => {
  it('accepts every journaled entry of what the writer wrote, fed in tiny chunks', async () => {
    const { tar, entries } = await journaledTar();
    const last = entries[entries.length - 1] as JournalEntry;
    const check = new TarPrefixCheck(entries);
    feedInChunks(check, tar.subarray(0, last.end));
    assert.equal(check.verified, entries.length);
    assert.ok(check.endsAfter(entries.length));
  });

  it('stops at the first changed byte: in a blob, in a header, in padding, in the layout head', async () => {
    const { tar, entries } = await journaledTar();
    const third = entries[2] as JournalEntry; // 511 bytes: header, data, 1 byte of padding
    for (const [where, at, verified] of [
      ['data', third.start + 512 + 100, 2],
      ['header', third.start + 10, 2],
      ['padding', third.end - 1, 2],
      ['layout head', 600, 0],
    ] as const) {
      const bad = Buffer.from(tar);
      bad[at] = (bad[at] as number) ^ 1;
      const check = new TarPrefixCheck(entries);
      feedInChunks(check, bad.subarray(0, (entries[entries.length - 1] as JournalEntry).end));
      assert.equal(check.verified, verified, where);
      assert.ok(check.failed, where);
    }
  });

  it('verifyPartial keeps the entries before a cut-off or damaged one and says where to continue', async () => {
    const { tar, entries } = await journaledTar();
    const fifth = entries[4] as JournalEntry;
    const cut = await verifyPartial(reader(tar.subarray(0, fifth.end - 10)), entries, 'none');
    assert.equal(cut.kept.length, 4);
    assert.equal(cut.offset, (entries[3] as JournalEntry).end);
    assert.equal(cut.outOffset, cut.offset);
    assert.equal(cut.dropped, entries.length - 4);

    const moved = entries.map((e, i) => (i === 3 ? { ...e, start: e.start + 512, end: e.end + 512 } : e));
    assert.equal((await verifyPartial(reader(tar), moved, 'none')).kept.length, 3, 'a journal line with other offsets ends the prefix');
    assert.equal((await verifyPartial(reader(tar), entries, 'gzip')).kept.length, 0, 'not gzip: nothing kept');
    assert.equal((await verifyPartial(reader(tar), entries, 'none')).kept.length, entries.length);
  });

  it('verifyPartial of a compressed partial decodes each journaled member on its own', async () => {
    const { tar, entries } = await journaledTar();
    const m = new MemberCompressor(() => compressor('gzip'), { in: 0, out: 0 });
    const collected = buffer(m);
    const withOut: JournalEntry[] = [];
    let at = 0;
    for (const e of entries) {
      m.write(tar.subarray(at, e.end));
      at = e.end;
      m.endMemberAt(e.end, (outEnd) => withOut.push({ ...e, outEnd }));
    }
    m.end(tar.subarray(at));
    const gz = await collected;
    const all = await verifyPartial(reader(gz), withOut, 'gzip');
    assert.equal(all.kept.length, entries.length);
    assert.equal(all.outOffset, (withOut[withOut.length - 1] as JournalEntry).outEnd);

    const fifth = withOut[4] as JournalEntry & { outEnd: number };
    assert.equal((await verifyPartial(reader(gz.subarray(0, fifth.outEnd - 3)), withOut, 'gzip')).kept.length, 4, 'a member cut short');
    const wrong = withOut.map((e, i) => (i === 2 ? { ...e, outEnd: (e.outEnd as number) - 5 } : e));
    assert.equal((await verifyPartial(reader(gz), wrong, 'gzip')).kept.length, 2, 'a member end that is not one');
    const bad = Buffer.from(gz);
    bad[fifth.outEnd - 20] = (bad[fifth.outEnd - 20] as number) ^ 1;
    assert.equal((await verifyPartial(reader(bad), withOut, 'gzip')).kept.length, 4, 'a damaged member');

    // zero padding after the third member (gunzip accepts it; other readers reject it between members)
    const third = (withOut[2] as JournalEntry & { outEnd: number }).outEnd;
    const padded = Buffer.concat([gz.subarray(0, third), Buffer.alloc(512), gz.subarray(third)]);
    const shifted = withOut.map((e, i) => (i >= 2 ? { ...e, outEnd: (e.outEnd as number) + 512 } : e));
    assert.equal((await verifyPartial(reader(padded), shifted, 'gzip')).kept.length, 2, 'a member followed by padding');
  });
});
