import { BalerError, ExitCode } from '../../errors.js';
import { shortId } from '../../model/digest.js';
import { familiarName, parseImageName } from '../../model/image-name.js';
import { squashImage } from '../../pipeline/squash.js';
import { storeRef } from '../../transports/store/transport.js';
import { formatBytes } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';
import { printJson, storePathFor } from '../store-context.js';

async function run(ctx: CommandContext): Promise<ExitCode> {
  const [query, newName] = ctx.args as [string, string];
  const name = parseImageName(newName, { defaultTag: 'latest' });
  if (name.digest) throw new BalerError('E_USAGE', `squash: the new name cannot be a digest reference (${newName})`);
  const ref = storeRef(storePathFor(ctx));
  // only IMAGE is read, so only its blobs are leased
  const source = await ref.openSource({ signal: ctx.io.signal, wanted: [query] });
  try {
    const sink = await ref.openSink({ signal: ctx.io.signal });
    try {
      const r = await squashImage({ source, image: query, to: sink, name, signal: ctx.io.signal });
      if (ctx.flags.bool('json')) {
        printJson(ctx.io, {
          from: r.from,
          fromId: r.fromId,
          layersBefore: r.layersBefore,
          id: r.id,
          name: familiarName(r.name),
          entries: r.entries,
          layerBytes: r.layerBytes,
          reclaimedBytes: r.reclaimedBytes,
        });
        return ExitCode.ok;
      }
      ctx.io.stdout.write(`${r.id}\n`);
      if (!ctx.flags.bool('quiet')) {
        ctx.io.stderr.write(
          `Squashed ${r.from} (${r.layersBefore} layer${r.layersBefore === 1 ? '' : 's'}, ${shortId(r.fromId)}) into ${familiarName(r.name)} ` +
            `(1 layer, ${r.entries} entries, ${formatBytes(r.layerBytes)}); reclaimed ${formatBytes(r.reclaimedBytes)} (${r.reclaimedBytes} bytes) of deleted or overwritten files\n`,
        );
        for (const m of r.copy.moved) ctx.io.stderr.write(`The name ${familiarName(m.name)} moved from ${m.from} to ${m.to}\n`);
      }
      return ExitCode.ok;
    } finally {
      await sink[Symbol.asyncDispose]();
    }
  } finally {
    await source[Symbol.asyncDispose]();
  }
}

export const squashCommand: Command = {
  spec: {
    name: 'squash',
    summary: 'Flatten an image of the store into a single-layer image',
    description: `Flattens IMAGE exactly as baler export does and stores the result as NEW[:TAG], an image with one layer. The config is kept (Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts, Volumes, platform…), with the new layer as its only diff_id; the history keeps the old steps, marked as empty, and gains one entry recording the squash (as docker build --squash does).

Reports the bytes reclaimed: the size of files that lower layers carry but that later layers deleted or overwrote, which the squashed image no longer stores. IMAGE itself is left as it is.`,
    args: [
      { name: 'IMAGE', description: 'Image name, ID (or prefix) or manifest digest in the store.' },
      { name: 'NEW[:TAG]', description: 'Name for the squashed image (tag defaults to latest).' },
    ],
    flags: [],
    examples: [{ command: 'baler squash app:1 app:1-flat', description: 'Store a one-layer copy of app:1 as app:1-flat.' }],
  },
  run,
};
