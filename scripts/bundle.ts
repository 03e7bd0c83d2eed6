/**
 * `npm run build` step 2: bundles the CLI into dist/bundle/ with esbuild (ESM, code-split), so starting
 * `baler` loads a handful of files instead of ~200 modules. Node 20 has no compile cache for ES modules;
 * resolving, reading and compiling each module was ~0.15 s of every command (0.34 s → 0.20 s for
 * `baler --version` on the bench machine).
 * bin/baler.js runs the bundle when it exists, else dist/cli/main.js (plain tsc output).
 * Type checking is tsc's job (step 1); esbuild only strips types.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // native or heavy packages stay in node_modules (Ink and React load only with the TUI); the small
  // CommonJS ones (micromatch, proper-lockfile and their ~40 files) are bundled, and get a real
  // `require` for the Node built-ins they load
  external: ['ink', 'react', 'react/*', 'zstd-napi', 'zstd-napi/*', 'zstd-codec', 'zstd-codec/*'],
  banner: { js: "import { createRequire as __balerCreateRequire } from 'node:module'; const require = __balerCreateRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});
