/**
 * `npm run build` step 2 (also run by `npm ci`'s prepare): bundles the CLI with esbuild into dist/bundle/,
 * so starting `baler` loads a few files instead of ~200 modules (0.34 s → 0.20 s for `baler --version`).
 * Type checking is tsc's job (step 1); esbuild only strips types.
 *
 * Two bundles of the same code; bin/baler.js picks one:
 * - cli.cjs: every verb, one CommonJS file, plus cli.cjs.v8cache, the V8 code cache recorded here by running
 *   a few commands (bin/run-cached-bundle.js). Node 20 caches no ES module compiles, and compiling the
 *   bundle was most of what start-up costs beyond node itself: with the cache, what baler adds to node's
 *   own start fell by ~40% (--version: 215 → 128 million instructions; save of a small image 324 → 202).
 *   Leaves out the TUI.
 * - main.js: ES modules, code-split, so the TUI chunk (Ink and React, which are ES modules with top-level
 *   await and cannot be required) loads only when the TUI opens; runs `baler` without a verb.
 *
 * Usage: node --import tsx scripts/bundle.ts [--outdir DIR]   (default dist/bundle; tests bundle elsewhere)
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = resolve(values.outdir ?? join(root, 'dist', 'bundle'));

const common: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // native or heavy packages stay in node_modules (Ink and React load only with the TUI); the small
  // CommonJS ones (micromatch, proper-lockfile and their ~40 files) are bundled
  external: ['ink', 'react', 'react/*', 'zstd-napi', 'zstd-napi/*', 'zstd-codec', 'zstd-codec/*'],
  sourcemap: true,
  logLevel: 'warning',
};

/** In cli.cjs the TUI import resolves to this; bin/baler.js sends every TUI start to main.js instead. */
const tuiLeftOut: Plugin = {
  name: 'tui-left-out',
  setup(b) {
    b.onResolve({ filter: /\/tui\/run-tui\.js$/ }, (args) => ({ path: args.path, namespace: 'tui-left-out' }));
    b.onLoad({ filter: /.*/, namespace: 'tui-left-out' }, () => ({
      loader: 'ts',
      contents: "export async function runTui(): Promise<never> { throw new Error('the TUI is not in cli.cjs; bin/baler.js starts it from dist/bundle/main.js'); }",
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [join(root, 'src/cli/main.ts')],
  outdir,
  splitting: true,
  format: 'esm',
  // the bundled CommonJS packages get a real `require` for the Node built-ins they load
  banner: { js: "import { createRequire as __balerCreateRequire } from 'node:module'; const require = __balerCreateRequire(import.meta.url);" },
});

const cliBundle = join(outdir, 'cli.cjs');
await build({
  ...common,
  // main.ts awaits at top level, which CommonJS cannot; this entry exports the run's promise instead
  // (run-cached-bundle.js waits for it while recording the cache)
  stdin: {
    contents: "import { runBalerProcess } from './main-process.js';\nexport const done = runBalerProcess();\n",
    resolveDir: join(root, 'src', 'cli'),
    sourcefile: 'cli-entry.ts',
    loader: 'ts',
  },
  outfile: cliBundle,
  format: 'cjs',
  // no comments or indentation: the file is ASCII (esbuild escapes non-ASCII in code; comments kept
  // theirs), which V8 reads as a one-byte string, and a third smaller to read, hash and compile.
  // Names are kept, so messages and stacks (BALER_DEBUG=1) still name functions and classes.
  minifyWhitespace: true,
  plugins: [tuiLeftOut],
  // strict mode as in the ES module bundle; import.meta.url (createRequire for the zstd packages) is the
  // bundle's own URL, as it is for an ES module chunk in the same directory
  banner: { js: `"use strict";\nconst __balerImportMetaUrl = require('node:url').pathToFileURL(__filename).href;` },
  define: { 'import.meta.url': '__balerImportMetaUrl' },
  // any other import.meta use would be silently empty in CommonJS: stop the build instead
  logOverride: { 'empty-import-meta': 'error' },
});

const cliBytes = readFileSync(cliBundle);
if (!isAscii(cliBytes)) {
  const at = cliBytes.findIndex((b) => b > 0x7f);
  console.warn(`bundle: warning: cli.cjs is not ASCII (esbuild keeps non-ASCII in regular expressions), so it starts slower: …${cliBytes.subarray(Math.max(0, at - 40), at + 20).toString('utf8')}…`);
}

/**
 * Commands run while recording the cache: V8 caches the code they compiled, so the more of a save/load
 * they run, the less is compiled lazily later. Run in a scratch store and directory, removed afterwards.
 * Only the first (--version) must succeed: the others make the cache better, not correct.
 */
function recordingRuns(scratch: string): string[][] {
  const store = join(scratch, 'store');
  const rootfs = join(scratch, 'rootfs');
  mkdirSync(rootfs);
  writeFileSync(join(rootfs, 'hello.txt'), 'hello from the baler build\n');
  const archive = join(scratch, 'image.tar');
  return [
    ['--version'],
    ['save', '--help'],
    ['import', '--store', store, '-q', rootfs, 'baler-build/cache:1'],
    ['save', '--store', store, '-q', '-o', archive, 'baler-build/cache:1'],
    ['load', '--store', join(scratch, 'store2'), '-q', '-i', archive],
    ['export', '--store', store, '-q', '-o', join(scratch, 'rootfs.tar'), 'baler-build/cache:1'],
    ['ls', '--store', store],
  ];
}

const scratch = mkdtempSync(join(tmpdir(), 'baler-bundle-'));
try {
  const loader = pathToFileURL(join(root, 'bin', 'run-cached-bundle.js')).href;
  const script = `const { recordCodeCache } = await import(${JSON.stringify(loader)});
const runs = ${JSON.stringify(recordingRuns(scratch))};
const statuses = await recordCodeCache(${JSON.stringify(cliBundle)}, runs);
const failed = runs.filter((_, i) => statuses[i] !== 0).map((r) => r.join(' '));
if (failed.length) process.stderr.write('bundle: warning: while recording the code cache, baler failed: ' + failed.join('; ') + '\\n');
if (statuses[0] !== 0) process.exitCode = 1;`;
  // a fresh node with no NODE_OPTIONS, as a user's `baler` starts: V8 rejects a cache made under other flags
  const env: NodeJS.ProcessEnv = { ...process.env, BALER_STORE: join(scratch, 'store') };
  delete env.NODE_OPTIONS;
  delete env.BALER_DEBUG;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch, env, stdio: ['ignore', 'ignore', 'inherit'] });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
