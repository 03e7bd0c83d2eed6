// The dependency direction of architecture.md §1, enforced by scanning imports (ggcr's depcheck idea):
//   model <- io, codecs, tar <- image, store <- transports <- pipeline <- cli, tui
// Nothing imports cli/ or tui/, except that tui/ may use cli/command-line.ts and cli/main.ts may start the TUI.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../../src');
const rank: Record<string, number> = { errors: -1, model: 0, io: 1, codecs: 1, tar: 1, image: 2, store: 2, transports: 3, pipeline: 4, cli: 5, tui: 5 };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

function layerOf(file: string): string {
  const rel = relative(SRC, file).replace(/\.(tsx?|jsx?)$/, '');
  return rel.split('/')[0] ?? rel;
}

test('imports only point down the layer stack', () => {
  const problems: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1] ?? '');
      const to = layerOf(target);
      const relTarget = relative(SRC, target);
      const allowed =
        from === to ||
        (rank[to] ?? 99) < (rank[from] ?? -1) ||
        (from === 'tui' && relTarget.startsWith('cli/command-line')) ||
        (from === 'cli' && to === 'tui' && relative(SRC, file).startsWith('cli/main'));
      if (!allowed) problems.push(`${relative(SRC, file)} imports ${relTarget} (${from} -> ${to})`);
    }
  }
  assert.deepEqual(problems, []);
});

test('format and transport code never imports the UI libraries', () => {
  const problems: string[] = [];
  for (const file of files(SRC)) {
    const layer = layerOf(file);
    if (layer === 'cli' || layer === 'tui') continue;
    const text = readFileSync(file, 'utf8');
    if (/from ['"](ink|react)['"]/.test(text)) problems.push(relative(SRC, file));
  }
  assert.deepEqual(problems, []);
});
