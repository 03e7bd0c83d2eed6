import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchSection } from './context.js';
import { fmt, measureOrFailure, ratio, sh, sizeOf, table, type Row } from './lib.js';

/**
 * Issue #3's split volumes and resume: what cutting an archive into parts (hashed while written) and
 * checking every part's sha256 before reading costs, next to a plain save/load and to coreutils split.
 */
export const splitSection: BenchSection = {
  name: 'split',
  run(ctx: BenchContext): string {
    const { opts, baler, names, runDir } = ctx;
    const dir = join(runDir, 'split');
    const store = join(dir, 'store');
    const plain = join(dir, 'plain.tar');
    const set = join(dir, 'set.tar');
    const resumed = join(dir, 'resumed.tar');
    const loadStore = join(dir, 'load-store');
    rmSync(dir, { recursive: true, force: true });
    sh(baler.cmd, [...baler.prefix, 'load', '-q', '-i', ctx.dockerSaveTar(), '--store', store]);
    const b = (...args: string[]): string[] => [...baler.prefix, ...args];
    const input = sizeOf(ctx.dockerSaveTar());
    const part = `${Math.max(1, Math.ceil(input / 4 / 1048576))}M`;
    const removeSet = (): void => {
      for (const n of readdirSync(dir)) if (n.startsWith('set.') || n.startsWith('coreutils.')) rmSync(join(dir, n), { force: true });
    };

    const savePlain = measureOrFailure(opts.runs, () => rmSync(plain, { force: true }), baler.cmd, b('save', '-q', '-o', plain, '--store', store, ...names));
    const saveSplit = measureOrFailure(opts.runs, removeSet, baler.cmd, b('save', '-q', '--split', part, '-o', set, '--store', store, ...names));
    const coreutils = measureOrFailure(opts.runs, () => undefined, 'bash', ['-c', 'split -b "$1" -d -a 3 "$2" "$3" && sha256sum "$3"* >/dev/null', 'split', part, plain, join(dir, 'coreutils.')]);
    const saveResume = measureOrFailure(opts.runs, () => rmSync(resumed, { force: true }), baler.cmd, b('save', '-q', '--resume', '-o', resumed, '--store', store, ...names));
    if (typeof saveSplit !== 'string') sh(baler.cmd, b('save', '-q', '--split', part, '-o', set, '--store', store, ...names));
    const loadPlain = measureOrFailure(opts.runs, () => rmSync(loadStore, { recursive: true, force: true }), baler.cmd, b('load', '-q', '-i', plain, '--store', loadStore));
    const loadSplit = measureOrFailure(opts.runs, () => rmSync(loadStore, { recursive: true, force: true }), baler.cmd, b('load', '-q', '-i', `${set}.001`, '--store', loadStore));

    const rows: Row[] = [
      { what: 'baler save -o plain.tar', m: savePlain, bytes: input },
      { what: `baler save --split ${part} (parts hashed while written)`, m: saveSplit, bytes: input },
      { what: `split -b ${part} plain.tar + sha256sum of the parts (coreutils, after a save)`, m: coreutils, bytes: input },
      { what: 'baler save --resume -o FILE (partial file + journal)', m: saveResume, bytes: input },
      { what: 'baler load -i plain.tar', m: loadPlain, bytes: input },
      { what: 'baler load -i set.tar.001 (sizes checked first, each part hashed while it is read)', m: loadSplit, bytes: input },
    ];
    return [
      '## split volumes and resume (issue #3)',
      '',
      `Input: ${names.join(' + ')}; archive ${fmt(input / 1048576, 1)} MB in parts of ${part}.`,
      '',
      table(rows, ctx.floor),
      '',
      `Ratios: save --split / save = ${ratio(saveSplit, savePlain)}; save --resume / save = ${ratio(saveResume, savePlain)}; load of the set / load = ${ratio(loadSplit, loadPlain)} (each part is hashed while the load reads it; the set is read once).`,
    ].join('\n');
  },
};
