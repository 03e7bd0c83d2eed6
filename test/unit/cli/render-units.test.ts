import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { renderTable } from '../../../src/cli/render/table.js';
import { formatBytes, formatDuration, formatRate, formatRelativeTime } from '../../../src/cli/render/units.js';

test('sizes print like the docker CLI: decimal units, 3 significant digits', () => {
  assert.equal(formatBytes(0), '0B');
  assert.equal(formatBytes(999), '999B');
  assert.equal(formatBytes(1000), '1kB');
  assert.equal(formatBytes(1850), '1.85kB');
  assert.equal(formatBytes(20480), '20.5kB');
  assert.equal(formatBytes(72_800_000), '72.8MB');
  assert.equal(formatBytes(1_234_567_890), '1.23GB');
  assert.equal(formatRate(12_300_000), '12.3MB/s');
});

test('durations', () => {
  assert.equal(formatDuration(350), '350ms');
  assert.equal(formatDuration(4200), '4.2s');
  assert.equal(formatDuration(123_000), '2m03s');
  assert.equal(formatDuration(3_900_000), '1h05m');
});

test('relative times read like docker images CREATED', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const ago = (ms: number): string => formatRelativeTime(new Date(now.getTime() - ms), now);
  assert.equal(ago(200), 'Less than a second ago');
  assert.equal(ago(1000), '1 second ago');
  assert.equal(ago(45_000), '45 seconds ago');
  assert.equal(ago(90_000), 'About a minute ago');
  assert.equal(ago(10 * 60_000), '10 minutes ago');
  assert.equal(ago(3600_000), 'About an hour ago');
  assert.equal(ago(5 * 3600_000), '5 hours ago');
  assert.equal(ago(3 * 86400_000), '3 days ago');
  assert.equal(ago(20 * 86400_000), '2 weeks ago');
  assert.equal(ago(100 * 86400_000), '3 months ago');
  assert.equal(ago(3 * 365 * 86400_000), '3 years ago');
  assert.equal(formatRelativeTime(new Date('2030-01-01T00:00:00Z'), now), 'Less than a second ago');
});

test('tables pad columns by three spaces and never leave trailing blanks', () => {
  const out = renderTable(
    [
      { a: 'imga', b: '1', c: '' },
      { a: 'a-much-longer-name', b: 'latest', c: 'x' },
    ],
    [
      { header: 'REPOSITORY', cell: (r) => r.a },
      { header: 'TAG', cell: (r) => r.b },
      { header: 'NOTE', cell: (r) => r.c },
    ],
  );
  assert.equal(out, ['REPOSITORY           TAG      NOTE', 'imga                 1', 'a-much-longer-name   latest   x', ''].join('\n'));
});
