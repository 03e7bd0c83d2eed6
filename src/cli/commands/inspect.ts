import { ExitCode } from '../../errors.js';
import { familiarName, familiarRepository } from '../../model/image-name.js';
import { configPlatform } from '../../model/image-config.js';
import { formatPlatform } from '../../model/platform.js';
import { formatBytes, formatRelativeTime } from '../render/units.js';
import type { Command, CommandContext } from '../spec.js';
import { openStoreFor, printJson } from '../store-context.js';
import { loadImageDetails, type ImageDetails } from '../image-details.js';

/** docker inspect's useful fields, plus the manifest baler stores. */
function inspectJson(d: ImageDetails): Record<string, unknown> {
  const { image, config, manifest } = d;
  const out: Record<string, unknown> = {
    Id: manifest.config.digest,
    RepoTags: image.names.filter((n) => n.tag !== undefined).map(familiarName),
    RepoDigests: [...new Set(image.names.map((n) => `${familiarRepository(n)}@${image.digest}`))],
    Created: config.created ?? null,
    Author: config.author ?? '',
    Architecture: config.architecture,
    Os: config.os,
    Config: config.config ?? null,
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Size: image.size,
    Manifest: {
      Digest: d.manifestDescriptor.digest,
      MediaType: manifest.mediaType,
      Config: manifest.config,
      Layers: manifest.layers,
    },
  };
  if (config.variant) out.Variant = config.variant;
  if (image.kind === 'index') out.Index = { Digest: image.digest, Platforms: image.platforms.map(formatPlatform), NotIncluded: (image.notIncluded ?? []).map(formatPlatform), Picked: d.pickedPlatform ?? null };
  return out;
}

function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(14)}${value}\n`;
}

function list(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => JSON.stringify(x)).join(' ');
  if (v && typeof v === 'object') return Object.keys(v).join(' ');
  return String(v);
}

function inspectText(d: ImageDetails): string {
  const { image, config, manifest } = d;
  let out = '';
  out += field('Names', image.names.length ? image.names.map(familiarName).join(', ') : '<none>');
  out += field('ID', manifest.config.digest);
  out += field('Digest', `${image.digest} (${image.descriptor.mediaType})`);
  const absent = image.notIncluded?.length ? ` (not included: ${image.notIncluded.map(formatPlatform).join(', ')})` : '';
  if (image.kind === 'index') out += field('Platforms', `${image.platforms.map(formatPlatform).join(', ')}${absent}; showing ${d.pickedPlatform ?? 'the first'}`);
  const created = config.created ? new Date(config.created) : undefined;
  out += field('Created', created && !Number.isNaN(created.getTime()) ? `${config.created} (${formatRelativeTime(created)})` : (config.created ?? ''));
  out += field('Platform', formatPlatform(configPlatform(config)));
  if (config.author) out += field('Author', config.author);
  out += field('Size', `${formatBytes(image.size)} (${image.size} bytes)`);
  const c = config.config ?? {};
  const shown: [string, unknown][] = [
    ['Entrypoint', c.Entrypoint],
    ['Cmd', c.Cmd],
    ['WorkingDir', c.WorkingDir],
    ['User', c.User],
    ['ExposedPorts', c.ExposedPorts],
    ['Volumes', c.Volumes],
    ['StopSignal', c.StopSignal],
  ];
  out += 'Config:\n';
  for (const [k, v] of shown) if (v !== undefined && v !== null && v !== '') out += `  ${field(k, list(v))}`;
  for (const e of c.Env ?? []) out += `  ${field('Env', e)}`;
  for (const [k, v] of Object.entries(c.Labels ?? {})) out += `  ${field('Label', `${k}=${v}`)}`;
  out += `Layers (${manifest.layers.length}):\n`;
  manifest.layers.forEach((l, i) => {
    out += `  ${l.digest}  ${formatBytes(l.size).padStart(7)}  ${l.mediaType}  diff_id ${config.rootfs.diff_ids[i] ?? '?'}\n`;
  });
  return out;
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  const store = await openStoreFor(ctx);
  const details: ImageDetails[] = [];
  for (const query of ctx.args) details.push(await loadImageDetails(store, (await store.resolve(query)).image));
  if (ctx.flags.bool('json')) printJson(ctx.io, details.map(inspectJson));
  else ctx.io.stdout.write(details.map(inspectText).join('\n'));
  return ExitCode.ok;
}

export const inspectCommand: Command = {
  spec: {
    name: 'inspect',
    summary: "Show an image's names, config, manifest and layers",
    description: `Shows what the embedded store knows of each IMAGE: its names, image ID (config digest), manifest digest and media type, creation time, platform, size, runtime config (entrypoint, command, environment, working directory, user, ports, volumes, labels) and its layers with their digests, sizes and diff IDs.

IMAGE is a name (imga, imga:1, docker.io/library/imga:1), an image ID or a unique prefix of at least 4 hex digits, or a manifest digest (sha256:…). For a multi-platform image the host's platform is shown (else the first).

With --json the output is a JSON array with one object per IMAGE holding docker inspect's useful fields (Id, RepoTags, RepoDigests, Created, Author, Architecture, Variant, Os, Config, RootFS, Size) plus Manifest (digest, media type, config and layer descriptors) and, for a multi-platform image, Index.`,
    args: [{ name: 'IMAGE', description: 'Image name, ID (or prefix) or manifest digest.', multiple: true }],
    flags: [],
    examples: [
      { command: 'baler inspect imga:1', description: 'Show the image imga:1.' },
      { command: 'baler inspect --json 0d4f23 | jq ".[0].Config.Env"', description: 'The environment of the image whose ID starts with 0d4f23.' },
    ],
  },
  run,
};
