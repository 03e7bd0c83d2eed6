import { ExitCode } from '../../errors.js';
import { errorJson } from '../render/error-text.js';
import { formatBytes } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreFor, printJson } from '../store-context.js';

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  // an absent store (or a dir with only a layout's remains) is told as every verb tells it, exit 3
  const store = await openStoreFor(ctx);
  const report = await store.fsck(ctx.io.signal);
  const ok = report.problems.length === 0;
  if (ctx.flags.bool('json')) {
    printJson(ctx.io, {
      Store: report.root,
      Ok: ok,
      Problems: report.problems.map((p) => ({ Digest: p.digest ?? null, Message: p.message })),
      Images: report.images,
      NotIncluded: report.notIncluded.map((n) => ({ Digest: n.digest, From: n.from })),
      BlobsChecked: report.blobsChecked,
      BytesChecked: report.bytesChecked,
      StaleTempFiles: report.staleTemps.files,
      StaleTempBytes: report.staleTemps.bytes,
      // as every failing --json run's document does (render/error-text.ts)
      ...(ok ? {} : errorJson('E_STORE_CORRUPT', `${report.root}: ${count(report.problems.length, 'problem')}`, ExitCode.integrity)),
    });
  } else {
    for (const p of report.problems) ctx.io.stdout.write(`${p.message}\n`);
    for (const n of report.notIncluded) ctx.io.stdout.write(`note: manifest ${n.digest} (${n.from}) is not included: a platform of a multi-platform image this store does not hold\n`);
    const stale = report.staleTemps;
    if (stale.files > 0) ctx.io.stdout.write(`note: ${count(stale.files, 'temp file')} (${formatBytes(stale.bytes)}) left in blobs/sha256 by interrupted writes; 'baler prune' removes them\n`);
    if (!ctx.flags.bool('quiet') || !ok) {
      ctx.io.stdout.write(
        `${report.root}: ${ok ? 'OK' : count(report.problems.length, 'problem')} (${count(report.images, 'image')}, ${count(report.blobsChecked, 'blob')}, ${formatBytes(report.bytesChecked)} checked)\n`,
      );
    }
  }
  return ok ? ExitCode.ok : ExitCode.integrity;
}

export const fsckCommand: Command = {
  spec: {
    name: 'fsck',
    summary: 'Check the store for corrupt or missing data',
    description: `Checks the embedded store: oci-layout and index.json must be valid, every blob file is re-hashed and must match its file name, and everything the index refers to — through nested indexes, manifests, configs and layers — must be present with the size its descriptor states.

Each problem is printed on its own line, followed by a summary; the exit status is 5 when there is any problem. Temp files of writes in progress or interrupted ones are not problems; those whose writer is gone are noted with their size, and baler prune removes them. A store only ever needs repair after disk corruption or manual edits: baler writes blobs before the index, so a crash cannot leave a reference to a missing blob. A multi-platform image may lack the manifests of some platforms (docker save of an image Docker's containerd image store pulled holds only the platforms it has): each is noted as not included, which is not a problem; a missing blob of an included manifest is.`,
    args: [],
    flags: [],
    examples: [
      { command: 'baler fsck', description: 'Verify the default store.' },
      { command: 'baler fsck --store /mnt/usb/store --json', description: 'Verify a store on removable media, with a JSON report.' },
    ],
  },
  run,
};
