import { ExitCode } from '../../errors.js';
import { familiarName, parseImageName } from '../../model/image-name.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreFor, printJson } from '../store-context.js';

async function run(ctx: CommandContext): Promise<ExitCode> {
  const [source, target] = ctx.args;
  const name = parseImageName(target ?? '', { defaultTag: 'latest' });
  const store = await openStoreFor(ctx);
  const { image, moved } = await store.tag(source ?? '', name);
  if (ctx.flags.bool('json')) {
    printJson(ctx.io, { Id: image.id, Digest: image.digest, Name: familiarName(name), MovedFrom: moved?.from ?? null });
  } else if (moved && !ctx.flags.bool('quiet')) {
    ctx.io.stderr.write(`baler: ${familiarName(name)} moved from ${moved.from} to ${image.digest}; the old image is kept (unnamed if nothing else names it)\n`);
  }
  return ExitCode.ok;
}

export const tagCommand: Command = {
  spec: {
    name: 'tag',
    summary: 'Give an image in the store another name',
    description: `Adds the name TARGET to the image SOURCE in the embedded store, like docker tag. SOURCE is a name, an image ID (or a unique prefix of at least 4 hex digits) or a manifest digest; TARGET is a name, and gets the tag latest when it has none.

If TARGET already names another image, the name moves: the other image stays in the store, unnamed unless another name still points at it (remove it with baler rm, then baler prune to free its blobs).`,
    args: [
      { name: 'SOURCE', description: 'The image to name.' },
      { name: 'TARGET', description: 'The new name (REPOSITORY[:TAG]).' },
    ],
    flags: [],
    examples: [
      { command: 'baler tag imga:1 registry.example.com/team/imga:1', description: 'Name imga:1 for another registry before saving it.' },
      { command: 'baler tag 0d4f23c8 imga:stable', description: 'Name an image by its short ID.' },
    ],
  },
  run,
};
