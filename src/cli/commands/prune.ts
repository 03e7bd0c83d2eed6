import { ExitCode } from '../../errors.js';
import { formatBytes } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreIfPresentFor, printJson } from '../store-context.js';

async function run(ctx: CommandContext): Promise<ExitCode> {
  const store = await openStoreIfPresentFor(ctx);
  const dryRun = ctx.flags.bool('dry-run');
  // no store yet: nothing to reclaim, and nothing made
  const result = store ? await store.prune({ dryRun }) : { blobs: [], temps: [], bytes: 0, dryRun };
  if (ctx.flags.bool('json')) {
    printJson(ctx.io, {
      DryRun: dryRun,
      Blobs: result.blobs.map((b) => ({ Digest: b.digest ?? null, Size: b.size })),
      TempFiles: result.temps.map((t) => ({ Path: t.name, Size: t.size })),
      Bytes: result.bytes,
    });
    return ExitCode.ok;
  }
  const verb = dryRun ? 'Would delete' : 'Deleted';
  if (!ctx.flags.bool('quiet')) {
    for (const b of result.blobs) ctx.io.stdout.write(`${verb}: ${b.digest ?? b.name} (${formatBytes(b.size)})\n`);
    for (const t of result.temps) ctx.io.stdout.write(`${verb}: ${t.name} (${formatBytes(t.size)}, left by an interrupted write)\n`);
  }
  const count = result.blobs.length + result.temps.length;
  ctx.io.stdout.write(
    `${dryRun ? 'Would reclaim' : 'Total reclaimed space'}: ${formatBytes(result.bytes)} (${count} ${count === 1 ? 'file' : 'files'})\n`,
  );
  return ExitCode.ok;
}

export const pruneCommand: Command = {
  spec: {
    name: 'prune',
    summary: 'Delete blobs no image in the store uses',
    description: `Deletes the blobs (layers, configs, manifests) of the embedded store that no image reaches any more, following every index entry through nested indexes and manifests, plus temp files left by writes that were interrupted (a killed baler load). Anything an image still uses is never deleted, and images themselves — named or not — are never removed: use baler rm for that.

Prune is safe while other balers use the store: blobs a running load or import has stored or counted on but not yet published, and the blobs of the images a running save, export or verify reads from the store, are spared (each lists them in its lease file, which counts only while its process runs), and prune holds the store lock while it deletes, so no image is ever published with a blob missing and no read stops halfway. What it spared goes at the next prune once they have finished.

Prints each deleted blob with its size and the total; --dry-run prints what would go without deleting.`,
    args: [],
    flags: [{ name: 'dry-run', short: 'n', type: 'boolean', description: 'Only show what would be deleted.' }],
    examples: [
      { command: 'baler prune --dry-run', description: 'See how much space pruning would free.' },
      { command: 'baler rm imga:1 && baler prune', description: 'Remove an image and free its layers.' },
    ],
  },
  run,
};
