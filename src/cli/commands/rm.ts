import { ExitCode } from '../../errors.js';
import { familiarName } from '../../model/image-name.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreFor, printJson } from '../store-context.js';

async function run(ctx: CommandContext): Promise<ExitCode> {
  const store = await openStoreFor(ctx);
  const outcomes = await store.remove(ctx.args, { force: ctx.flags.bool('force') });
  if (ctx.flags.bool('json')) {
    printJson(
      ctx.io,
      outcomes.map((o) => ({ Image: o.query, Untagged: o.untagged.map(familiarName), Deleted: o.deleted ?? null })),
    );
    return ExitCode.ok;
  }
  if (ctx.flags.bool('quiet')) return ExitCode.ok;
  for (const o of outcomes) {
    for (const n of o.untagged) ctx.io.stdout.write(`Untagged: ${familiarName(n)}\n`);
    if (o.deleted) ctx.io.stdout.write(`Deleted: ${o.deleted}\n`);
  }
  return ExitCode.ok;
}

export const rmCommand: Command = {
  spec: {
    name: 'rm',
    summary: 'Remove images or names from the store',
    description: `Removes each IMAGE from the embedded store, like docker rmi. Given a name, only that name is removed; the image goes with its last name. Given an image ID (or a unique prefix of at least 4 hex digits) or a manifest digest, the whole image is removed, which needs -f when several names point at it.

Removing an image only changes the store's index; its blobs stay on disk until baler prune deletes the ones no remaining image uses. Prints "Untagged: NAME" for each name removed and "Deleted: ID" for each image removed.

All IMAGE arguments are resolved first; if one cannot be removed (unknown, ambiguous, or needs -f), nothing is changed.`,
    args: [{ name: 'IMAGE', description: 'Image name, ID (or prefix) or manifest digest.', multiple: true }],
    flags: [{ name: 'force', short: 'f', type: 'boolean', description: 'Remove an image given by ID even when several names point at it.' }],
    examples: [
      { command: 'baler rm imga:1', description: 'Remove the name imga:1 (and the image, if it was its last name).' },
      { command: 'baler rm -f 0d4f23c8', description: 'Remove the image with every name it has.' },
      { command: 'baler rm imga:1 && baler prune', description: 'Remove an image and free the space its layers used.' },
    ],
  },
  run,
};
