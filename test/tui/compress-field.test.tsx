/**
 * The Action form's Compress field against the output name: the TUI user set a field, not --compress,
 * so the words name the field; the CLI's wording (test/unit/cli/output-compression.test.ts) is unchanged.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { createTuiServices } from '../../src/tui/services.js';
import { CopyFailure, type TuiCopyRequest } from '../../src/tui/tui-services.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { KEY } from './keys.js';
import { renderApp } from './render-app.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());
afterEach(() => cleanup());

describe('the Compress field', () => {
  it('a Compress choice the output name contradicts is refused on the Action screen, naming the field', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Output file  debian_12.tar');
    // Action, Format, Layers, Compress: auto -> none -> gzip -> zstd
    await app.press(KEY.down, KEY.down, KEY.down, KEY.right, KEY.right, KEY.right);
    await app.waitFor('‹zstd›');
    await app.press(KEY.down, KEY.enter, ...Array(13).fill(KEY.backspace), ...'x.tar.gz', KEY.enter);
    await app.waitFor('Compress: zstd does not fit x.tar.gz, which is named for gzip; rename it or set Compress to auto');
    await app.press('s');
    await app.waitFor('✗ Compress: zstd does not fit x.tar.gz');
    assert.equal(app.services.copies.length, 0, 'no copy started');
    assert.doesNotMatch(app.text(), /--compress/);
  });

  it('an export to a name baler cannot write says which field to set', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Output file  debian_12.tar');
    await app.press(KEY.right, KEY.right); // save -> save to a directory -> export
    await app.waitFor('export the flattened file system');
    await app.press(KEY.down, KEY.down, KEY.enter, ...Array(20).fill(KEY.backspace), ...'root.tar.xz', KEY.enter);
    await app.waitFor('Compress: root.tar.xz: baler writes gzip (.gz) or zstd (.zst), not .xz; rename it, or set Compress to none');
    assert.doesNotMatch(app.text(), /--compress/);
  });

  it('the real services refuse the same pair before opening anything, in the field’s words', async () => {
    const dir = await tmp.make('baler-tui-compress-');
    const services = createTuiServices({ storePath: join(dir, 'no-store'), cwd: dir, env: {} });
    const requests: TuiCopyRequest[] = [
      { kind: 'save', source: { kind: 'store' }, images: ['a:1'], output: 'x.tar.gz', format: 'docker', compression: 'keep', archive: 'zstd' },
      { kind: 'export', source: { kind: 'store' }, image: 'a:1', output: 'x.tar.zst', archive: 'gzip' },
    ];
    const said: string[] = [];
    for (const req of requests) {
      const err = await services.copy(req, () => undefined, new AbortController().signal).then(
        () => assert.fail('the copy ran'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CopyFailure);
      said.push(err.message);
    }
    assert.deepEqual(said, [
      'Compress: zstd does not fit x.tar.gz, which is named for gzip; rename it or set Compress to auto',
      'Compress: gzip does not fit x.tar.zst, which is named for zstd; rename it or set Compress to auto',
    ]);
  });
});
