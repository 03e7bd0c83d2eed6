import { resolve } from 'node:path';
import { ExitCode } from '../../errors.js';
import { createAtomicFile } from '../../io/atomic-file.js';
import { inventoryDigest, mergeInventories, serializeInventory, type Inventory } from '../../model/inventory.js';
import { takeInventory } from '../../pipeline/inventory.js';
import { resolveStorePath } from '../../store/location.js';
import { parseTransportRef, type RefContext } from '../../transports/registry.js';
import { registryAccess, registryFlags } from '../registry-flags.js';
import { writeJson } from '../render/json.js';
import type { Command, CommandContext } from '../spec.js';

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { flags, io } = ctx;
  const refs: RefContext = { storePath: resolveStorePath(flags.string('store'), io.env, io.cwd), cwd: io.cwd, stdin: io.stdin, registry: registryAccess(flags, io) };
  const specs = flags.list('from');
  const parts: Inventory[] = [];
  for (const spec of specs.length ? specs : ['store']) parts.push(await takeInventory(parseTransportRef(spec, refs), { signal: io.signal, onWarning: (_code, message) => io.stderr.write(`baler: warning: ${message}\n`) }));
  const inventory = mergeInventories(parts);
  const bytes = serializeInventory(inventory);
  const output = flags.string('output');
  if (output === undefined || output === '-') {
    io.stdout.write(bytes);
    return ExitCode.ok;
  }
  const target = resolve(io.cwd, output);
  const file = await createAtomicFile(target, { overwrite: true });
  try {
    file.stream.write(bytes);
    await file.commit();
  } finally {
    await file.discard();
  }
  const summary = { file: target, digest: inventoryDigest(bytes), source: inventory.source, holds: inventory.holds, images: inventory.images.length, blobs: inventory.blobs.length, diffIds: inventory.diffIds.length };
  if (flags.bool('json')) writeJson(io, summary);
  else if (!flags.bool('quiet')) {
    io.stderr.write(`Inventory of ${inventory.source}: ${summary.images} image(s), ${summary.diffIds} layer(s) written to ${output}\n`);
  }
  return ExitCode.ok;
}

export const inventoryCommand: Command = {
  spec: {
    name: 'inventory',
    summary: 'Record what a destination holds, for delta archives (save --have)',
    description: [
      'Writes a JSON document (kind "baler-inventory", version 1) listing what SOURCE holds: every blob digest (indexes, manifests, configs, layers), every layer diff_id with the blob digest it is stored as, and each image ID with its manifest digest and names. Run it on the receiving (air-gapped) side and carry the file to the sending side, where baler save --have FILE writes only the layers missing there.',
      'A store, an OCI layout or an archive holds blobs by digest ("holds": "blobs"): a layer counts as present when its blob digest is listed, so the same content in another compression is sent again (the manifest naming it must not change). A docker daemon or data root holds unpacked layers by diff_id ("holds": "layers"): a layer counts as present when its diff_id is listed, whatever compression the archive would carry it in; the inventory of a daemon comes from its image list and image inspect, without docker save.',
      'Without -o the document is printed on stdout.',
    ].join('\n\n'),
    args: [],
    flags: [
      { name: 'from', type: 'string', multiple: true, placeholder: 'SOURCE', description: 'Take the inventory of SOURCE instead of the store: store:DIR, oci:DIR, docker-archive:FILE, oci-archive:FILE, docker (the running daemon), docker-root:DIR or registry://HOST/REPO[:TAG|@sha256:…] (REPO without a tag: every tag). Repeat it to describe one destination made of several parts (e.g. every repository of a mirror); the parts must be of one kind.' },
      { name: 'output', short: 'o', type: 'string', placeholder: 'FILE', description: 'Write the inventory to FILE (atomically) instead of stdout; prints a one-line summary on stderr (with --json: a summary object on stdout).' },
      ...registryFlags,
    ],
    examples: [
      { command: 'baler inventory -o have.json', description: 'On the air-gapped side: record what the store holds.' },
      { command: 'baler inventory --from docker -o have.json', description: 'Record what the local Docker daemon holds.' },
      { command: 'baler inventory --from registry://mirror:5000/apps/web:1 --from registry://mirror:5000/apps/db:1 -o have.json', description: 'Record two images of a private registry in one inventory.' },
      { command: 'baler save --have have.json -o update.tar app:2', description: 'On the connected side: write only what the other side lacks.' },
    ],
    sections: [
      {
        title: 'EXIT STATUS',
        body: '0 on success; 3 when SOURCE does not exist; 4 when it is malformed; 5 when a manifest or config does not match its digest; 6 when the daemon cannot be reached.',
      },
    ],
  },
  run,
};
