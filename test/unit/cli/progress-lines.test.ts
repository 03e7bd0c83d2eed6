import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ProgressLines, progressFor } from '../../../src/cli/render/progress-lines.js';
import { sha256Of } from '../../../src/model/digest.js';
import type { CopyEvent } from '../../../src/pipeline/events.js';

function sinkStream(isTTY: boolean): Writable & { text: string; isTTY: boolean; columns: number } {
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean; columns: number };
  w.text = '';
  w.isTTY = isTTY;
  w.columns = 120;
  return w;
}

const a = sha256Of('layer a');
const b = sha256Of('layer b');
const events: CopyEvent[] = [
  { kind: 'plan', images: [{ names: [], digest: a, ids: [a], platforms: ['linux/amd64'], layers: 2, bytes: 3_000_000 }], totalBytes: 3_000_000, sharedBytes: 0, blobs: 3 },
  { kind: 'blob', digest: b, role: 'layer', state: 'skipped-present', done: 0, total: 1000 },
  { kind: 'blob', digest: a, role: 'layer', state: 'copying', done: 0, total: 2_000_000 },
  { kind: 'blob', digest: a, role: 'layer', state: 'copying', done: 1_000_000, total: 2_000_000 },
  { kind: 'blob', digest: a, role: 'layer', state: 'verified', done: 2_000_000, total: 2_000_000 },
  { kind: 'warning', code: 'W_X', message: 'something odd' },
];

test('without a terminal: one plain line per finished layer (no plan line), no control codes', () => {
  const out = sinkStream(false);
  let t = 0;
  const p = new ProgressLines(out, { now: () => (t += 500) });
  for (const e of events) p.handle(e);
  p.finish();
  assert.doesNotMatch(out.text, /\x1b/);
  const lines = out.text.trimEnd().split('\n');
  assert.equal(lines[0], `Skipped layer ${b.slice(7, 19)}: already present`);
  assert.match(lines[1] ?? '', new RegExp(`^Copied layer ${a.slice(7, 19)} \\(2MB in 500ms\\)$`));
  assert.equal(lines[2], 'baler: warning: something odd');
  assert.equal(lines.length, 3);
});

test('on a terminal: the layer in flight is redrawn in place with rate and ETA, then cleared', () => {
  const out = sinkStream(true);
  let t = 0;
  const p = new ProgressLines(out, { now: () => (t += 500) });
  for (const e of events.slice(0, 4)) p.handle(e);
  assert.match(out.text, /Copying 1 image: 2 layers, 3MB\n/);
  assert.match(out.text, /\x1b\[2K/);
  assert.match(out.text, new RegExp(`${a.slice(7, 19)}  copying   1MB / 2MB   [0-9.]+[kM]B/s   ETA `));
  for (const e of events.slice(4)) p.handle(e);
  p.finish();
  assert.match(out.text, new RegExp(`${a.slice(7, 19)}  done            2MB`));
});

test('--quiet and --json show no progress', () => {
  const io = { stderr: sinkStream(true) };
  assert.equal(progressFor(io, { quiet: true, json: false }), undefined);
  assert.equal(progressFor(io, { quiet: false, json: true }), undefined);
  assert.ok(progressFor(io, { quiet: false, json: false }));
});

test('a layer a delta save leaves out says so: left out because the destination has it', () => {
  const leftOut: CopyEvent = { kind: 'blob', digest: b, role: 'layer', state: 'skipped-present', done: 0, total: 1000, leftOut: true };
  const plain = sinkStream(false);
  const p = new ProgressLines(plain);
  p.handle(leftOut);
  p.finish();
  assert.equal(plain.text, `Left out layer ${b.slice(7, 19)}: at destination\n`);
  const tty = sinkStream(true);
  const q = new ProgressLines(tty);
  q.handle(leftOut);
  q.finish();
  assert.match(tty.text, new RegExp(`${b.slice(7, 19)}  left out \\(at destination\\)\n`));
  assert.doesNotMatch(tty.text + plain.text, /already present/);
});

test('a layer the destination has, read once to check its diff_id, is drawn as checking, then says it was checked', () => {
  const checked: CopyEvent[] = [
    { kind: 'blob', digest: b, role: 'layer', state: 'hashing', done: 0, total: 2_000_000 },
    { kind: 'blob', digest: b, role: 'layer', state: 'hashing', done: 1_000_000, total: 2_000_000 },
    { kind: 'blob', digest: b, role: 'layer', state: 'hashing', done: 2_000_000, total: 2_000_000 },
    { kind: 'blob', digest: b, role: 'layer', state: 'skipped-present', done: 0, total: 2_000_000 },
  ];
  const id = b.slice(7, 19);
  const tty = sinkStream(true);
  let t = 0;
  const p = new ProgressLines(tty, { now: () => (t += 500) });
  for (const e of checked.slice(0, 2)) p.handle(e);
  assert.match(tty.text, new RegExp(`${id}  checking  1MB / 2MB   [0-9.]+[kM]B/s   ETA `));
  for (const e of checked.slice(2)) p.handle(e);
  p.finish();
  assert.match(tty.text, new RegExp(`${id}  already present \\(checked 2MB in [0-9.]+m?s\\)\n`));

  const plain = sinkStream(false);
  t = 0;
  const q = new ProgressLines(plain, { now: () => (t += 500) });
  for (const e of checked) q.handle(e);
  q.finish();
  assert.doesNotMatch(plain.text, /\x1b/);
  assert.match(plain.text, new RegExp(`^Skipped layer ${id}: already present \\(checked 2MB in [0-9.]+m?s\\)\n$`));
});
