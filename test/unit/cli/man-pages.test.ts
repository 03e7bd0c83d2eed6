import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderManPages, toRoff, verbPage } from '../../../scripts/gen-man.js';
import { commands } from '../../../src/cli/commands/index.js';
import { exitDocs } from '../../../src/errors.js';

const manDir = fileURLToPath(new URL('../../../man/', import.meta.url));

test('the committed man pages match the command specs (run `npm run man` after changing a spec)', async () => {
  const expected = renderManPages();
  const stale: string[] = [];
  for (const [name, text] of expected) {
    const committed = await readFile(join(manDir, name), 'utf8').catch(() => undefined);
    if (committed !== text) stale.push(name);
  }
  assert.deepEqual(stale, [], `out of date or missing in man/: ${stale.join(', ')}`);
  // a page for a verb that no longer exists is stale too
  const onDisk = (await readdir(manDir)).filter((f) => /^baler(-[a-z-]+)?\.1(\.md)?$/.test(f));
  assert.deepEqual(onDisk.filter((f) => !expected.has(f)), []);
});

test('every registered verb has a page, and baler(1) lists every verb and exit status', () => {
  const files = renderManPages();
  for (const c of commands) {
    assert.ok(files.has(`baler-${c.spec.name}.1`), c.spec.name);
    assert.ok(files.has(`baler-${c.spec.name}.1.md`), c.spec.name);
  }
  const main = files.get('baler.1.md') ?? '';
  for (const c of commands) assert.ok(main.includes(`baler-${c.spec.name}(1)`), c.spec.name);
  for (const [code, text] of exitDocs) assert.ok(main.includes(`* \`${code}\`:\n  ${text}`), `exit ${code}`);
  for (const env of ['BALER_STORE', 'XDG_DATA_HOME', 'BALER_DEBUG', 'BALER_TMPDIR', 'NO_COLOR']) assert.ok(main.includes(env), env);
});

test('roff escapes hyphens, backslashes and leading dots', () => {
  const roff = toRoff({
    name: 'baler-x',
    summary: 'a-b',
    synopsis: 'baler x',
    sections: [{ title: 'DESCRIPTION', blocks: [{ kind: 'para', text: '.hidden \\ back' }] }],
  });
  assert.match(roff, /^\.TH "BALER\\-X" "1"/m);
  assert.match(roff, /^baler\\-x \\- a\\-b$/m);
  assert.match(roff, /^\\&\.hidden \\e back$/m);
  const save = commands.find((c) => c.spec.name === 'save');
  assert.ok(save);
  const page = toRoff(verbPage(save.spec));
  assert.match(page, /^\.B \\-o, \\-\\-output FILE$/m);
});
