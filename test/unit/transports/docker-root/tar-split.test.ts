import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BalerError } from '../../../../src/errors.js';
import { parseTarSplitLine, readTarSplitFile, readTarSplitRecords, type TarSplitRecord } from '../../../../src/transports/docker-root/tar-split.js';

// Lines as dockerd 20.10 wrote them (formats.md samples/tar-split-sample.jsonl.txt), shortened payloads.
const SEGMENT = '{"type":2,"payload":"ZGF0YS8AAA==","position":0}';
const DIR = '{"type":1,"name":"data/","payload":null,"position":1}';
const FILE = '{"type":1,"name":"a.txt","size":4,"payload":"AAECAwQFBgc=","position":3}';
const RAW = `{"type":1,"name_raw":"${Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString('base64')}","size":1,"payload":"AAAAAAAAAAE=","position":5}`;

const tmp: string[] = [];
after(() => Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true }))));

test('segment records carry raw bytes', () => {
  const r = parseTarSplitLine(SEGMENT, 'x');
  assert.equal(r.kind, 'segment');
  assert.deepEqual(r.kind === 'segment' && r.bytes, Buffer.from('data/\0\0'));
});

test('file records: size omitted means 0 and payload null means no CRC', () => {
  const r = parseTarSplitLine(DIR, 'x');
  assert.deepEqual(r, { kind: 'file', position: 1, name: Buffer.from('data/'), size: 0 });
});

test('file records with content carry the 8-byte big-endian CRC', () => {
  const r = parseTarSplitLine(FILE, 'x');
  assert.ok(r.kind === 'file');
  assert.equal(r.size, 4);
  assert.deepEqual(r.crc, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]));
});

test('name_raw keeps names that are not UTF-8 as raw bytes', () => {
  const r = parseTarSplitLine(RAW, 'x');
  assert.ok(r.kind === 'file');
  assert.deepEqual(r.name, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
});

test('malformed records are E_FORMAT naming the file and line', () => {
  for (const bad of ['{"type":3}', 'not json', '{"type":1,"size":4,"name":"x","payload":null}', '{"type":1,"size":-1,"name":"x"}', '[1]']) {
    assert.throws(
      () => parseTarSplitLine(bad, 'ts.json.gz: line 9'),
      (e: unknown) => e instanceof BalerError && e.code === 'E_FORMAT' && e.message.startsWith('ts.json.gz: line 9'),
      bad,
    );
  }
});

async function collect(gen: AsyncGenerator<TarSplitRecord>): Promise<TarSplitRecord[]> {
  const out: TarSplitRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

test('a stream split into 321-byte chunks yields the same records as whole lines', async () => {
  const lines = [SEGMENT, DIR, FILE, RAW];
  // a long segment so records straddle chunk boundaries
  lines.push(`{"type":2,"payload":"${Buffer.alloc(3000, 1).toString('base64')}","position":6}`);
  const text = Buffer.from(lines.join('\n') + '\n');
  const chunks: Buffer[] = [];
  for (let o = 0; o < text.length; o += 321) chunks.push(text.subarray(o, o + 321));
  const got = await collect(readTarSplitRecords(Readable.from(chunks), 'ts'));
  assert.deepEqual(got, lines.map((l) => parseTarSplitLine(l, 'ts')));
  // no trailing newline still yields the last record
  const noNl = await collect(readTarSplitRecords(Readable.from([Buffer.from(lines.join('\n'))]), 'ts'));
  assert.equal(noNl.length, lines.length);
});

test('a damaged gzip file is one E_TRUNCATED/E_FORMAT line naming the file, in the words of every gzip input', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'baler-ts-'));
  tmp.push(dir);
  const gz = gzipSync(Buffer.from(`${SEGMENT}\n${FILE}\n`.repeat(50)));
  // Go's gzip reader (Docker's) takes members back to back, and nothing else after the last one
  const cases = [
    ['cut.json.gz', gz.subarray(0, gz.length - 20), 'E_TRUNCATED', 'truncated gzip data'],
    ['empty.json.gz', Buffer.alloc(0), 'E_TRUNCATED', 'truncated gzip data'],
    ['plain.json.gz', Buffer.from(`${SEGMENT}\n`), 'E_FORMAT', 'corrupt gzip data (incorrect header check)'],
    ['padded.json.gz', Buffer.concat([gz, Buffer.alloc(512)]), 'E_FORMAT', 'corrupt gzip data (zero bytes after a member)'],
    ['garbage.json.gz', Buffer.concat([gz, Buffer.from('garbage')]), 'E_FORMAT', 'corrupt gzip data (incorrect header check)'],
  ] as const;
  for (const [name, bytes, code, fault] of cases) {
    const file = join(dir, name);
    await writeFile(file, bytes);
    await assert.rejects(collect(readTarSplitFile(file)), (e: unknown) => e instanceof BalerError && e.code === code && e.message === `${file}: ${fault}`, name);
  }
  const twoMembers = join(dir, 'two-members.json.gz');
  await writeFile(twoMembers, Buffer.concat([gz, gz]));
  assert.equal((await collect(readTarSplitFile(twoMembers))).length, 200);
  const missing = join(dir, 'missing.json.gz');
  await assert.rejects(collect(readTarSplitFile(missing)), (e: unknown) => e instanceof BalerError && e.code === 'E_NOT_FOUND' && e.message === `${missing}: no such file or directory`);
});
