/**
 * The live line a container export shows on a terminal: bytes written, speed and time, redrawn in place
 * no more often than every 100 ms, and cleared before the summary.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { WrittenProgressLine } from '../../../src/cli/render/written-progress-line.js';

function terminal(): Writable & { text: () => string; columns: number } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as Writable & { text: () => string; columns: number };
  w.text = () => chunks.join('');
  w.columns = 80;
  return w;
}

test('redraws bytes, speed and time in place, at most every 100 ms, and clears the line at the end', () => {
  const out = terminal();
  let now = 1000;
  const line = new WrittenProgressLine(out, 'Exporting container web-1', () => now);
  now = 1500;
  line.update(50 * 1000 * 1000);
  now = 1550; // within 100 ms of the last draw: not redrawn
  line.update(60 * 1000 * 1000);
  now = 2000;
  line.update(100 * 1000 * 1000);
  line.finish();
  const draws = out.text().split('\r\x1b[2K').filter((s) => s !== '');
  assert.equal(draws.length, 2, out.text());
  assert.match(draws[0] as string, /^Exporting container web-1: 50(\.0)?MB written, 100(\.0)?MB\/s, 500ms$/);
  assert.match(draws[1] as string, /^Exporting container web-1: 100(\.0)?MB written, 100(\.0)?MB\/s, 1(\.0)?s$/);
  assert.ok(out.text().endsWith('\r\x1b[2K'), 'the line is cleared before the summary');
});

test('a line wider than the terminal is cut to fit, and finish() without a draw writes nothing', () => {
  const out = terminal();
  out.columns = 30;
  let now = 0;
  const line = new WrittenProgressLine(out, 'Exporting container a-very-long-container-name', () => now);
  now = 200;
  line.update(1);
  assert.ok((out.text().replace('\r\x1b[2K', '')).length <= 29);
  const quiet = terminal();
  new WrittenProgressLine(quiet, 'x').finish();
  assert.equal(quiet.text(), '');
});
