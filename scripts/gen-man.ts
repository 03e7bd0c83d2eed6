/**
 * Generates the man pages from the same CommandSpecs that drive argument parsing and --help, so the
 * three never disagree: `man/baler.1.md` + `man/baler.1` and `man/baler-<verb>.1.md` + `man/baler-<verb>.1`
 * for every registered verb. The markdown is the reviewable source; the roff is written here directly
 * (no network tools, no marked-man needed at build time).
 *
 *   node --import tsx scripts/gen-man.ts [OUT_DIR]     (default: man/)
 *
 * test/unit/cli/man-pages.test.ts regenerates into a temp dir and fails when the committed pages drift.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands } from '../src/cli/commands/index.js';
import { flagLabel, usageLine } from '../src/cli/render/help.js';
import { VERSION } from '../src/cli/run.js';
import { globalFlags, type CommandSpec, type FlagSpec } from '../src/cli/spec.js';
import { exitDocs } from '../src/errors.js';

interface Section {
  readonly title: string;
  /** Paragraphs, definition items or examples. */
  readonly blocks: readonly Block[];
}

type Block = { kind: 'para'; text: string } | { kind: 'item'; term: string; text: string } | { kind: 'example'; command: string; text: string };

interface Page {
  readonly name: string;
  readonly summary: string;
  readonly synopsis: string;
  readonly sections: readonly Section[];
}

const ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ['BALER_STORE', 'The embedded store directory when --store is not given.'],
  ['XDG_DATA_HOME', 'The store is $XDG_DATA_HOME/baler/store when neither --store nor BALER_STORE is set (default ~/.local/share).'],
  ['BALER_DEBUG', 'Set to 1 to print stack traces with errors.'],
  ['BALER_TMPDIR', 'Directory for temporary files (spooled archives, converted layers); default: the system temp dir.'],
  ['BALER_CACHE_DIR', 'The cache directory; default $XDG_CACHE_HOME/baler, else ~/.cache/baler.'],
  ['BALER_NO_CACHE', 'Set to 1 to neither use nor fill the cache of verified layer pairs: every compressed layer whose diff_id is checked (load, verify, save --verify-diff-ids) is then decompressed for it.'],
  ['NO_COLOR', 'When set, baler prints no colours.'],
  ['DOCKER_HOST', 'The Docker daemon socket for the docker transport (unix:///path); default /var/run/docker.sock.'],
  [
    'NODE_EXTRA_CA_CERTS',
    'More CA certificates (a PEM file) to trust for HTTPS registries, as node reads it. The baler launcher loads the file at the first HTTPS connection instead of at start-up, and gives the variable unchanged to the processes baler starts.',
  ],
  [
    'BALER_CERT_DIRS',
    'Colon-separated certs.d directories to read per-registry TLS files from, instead of /etc/containers/certs.d and /etc/docker/certs.d (see FILES).',
  ],
];

const FILES: ReadonlyArray<readonly [string, string]> = [
  ['~/.local/share/baler/store', 'The default embedded store: an OCI image layout (oci-layout, index.json, blobs/sha256/) that skopeo, podman and umoci can read as oci:DIR.'],
  ['STORE/index.json.lock', 'Held while a command changes the store index; a second writer that cannot get it fails with exit status 7.'],
  [
    '~/.cache/baler/diffid-by-digest',
    'Pairs "compressed layer X decompresses to diff_id Y" that baler verified while copying (with Docker\'s diffid-by-digest in mind). A later copy of X still checks every byte against X, but need not decompress it when its config expects Y. Each entry carries an HMAC under the private key file beside it, so entries written by hand or copied from elsewhere are ignored; a key that others can read switches the cache off. Safe to delete at any time.',
  ],
  [
    '/etc/containers/certs.d/HOST[:PORT]/, /etc/docker/certs.d/HOST[:PORT]/',
    'Per-registry TLS files, as Docker, podman and skopeo read them: every *.crt is a CA trusted for that registry besides the usual ones, and NAME.cert with NAME.key is the client certificate for a registry that asks for one. HOST[:PORT] as written in the registry:// reference (Docker\'s HOST alone for port 443).',
  ],
];

function paragraphs(text: string): Block[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .map((p) => ({ kind: 'para', text: p }));
}

function flagItems(flags: readonly FlagSpec[]): Block[] {
  return flags.map((f) => ({ kind: 'item', term: flagLabel(f).trim(), text: f.description }));
}

export function verbPage(spec: CommandSpec): Page {
  const sections: Section[] = [{ title: 'DESCRIPTION', blocks: paragraphs(spec.description) }];
  if (spec.args.length) sections.push({ title: 'ARGUMENTS', blocks: spec.args.map((a) => ({ kind: 'item', term: `${a.name}${a.multiple ? '…' : ''}`, text: a.description })) });
  sections.push({ title: 'OPTIONS', blocks: flagItems([...spec.flags, ...globalFlags]) });
  if (spec.examples.length) sections.push({ title: 'EXAMPLES', blocks: spec.examples.map((e) => ({ kind: 'example', command: e.command, text: e.description })) });
  for (const s of spec.sections ?? []) sections.push({ title: s.title.toUpperCase(), blocks: paragraphs(s.body) });
  const others = commands.filter((c) => c.spec.name !== spec.name).map((c) => `baler-${c.spec.name}(1)`);
  sections.push({ title: 'SEE ALSO', blocks: [{ kind: 'para', text: ['baler(1)', ...others].join(', ') }] });
  return { name: `baler-${spec.name}`, summary: spec.summary, synopsis: usageLine(spec), sections };
}

export function mainPage(): Page {
  return {
    name: 'baler',
    summary: 'move container images across hosts and air gaps',
    synopsis: 'baler COMMAND [OPTIONS] [ARGS]',
    sections: [
      {
        title: 'DESCRIPTION',
        blocks: paragraphs(
          'baler saves, loads, exports and imports container images with or without a Docker daemon. It reads and writes docker-archive (docker save/load, every Docker version including the Docker 25 hybrid), oci-archive and OCI layout directories, reads a stopped Docker data root offline, and keeps images in an embedded OCI store.\n\nEvery command copies images through one pipeline that verifies each blob against its digest and commits nothing when something does not match or the command is interrupted. load, verify, import and a layer decompressed on the way also check each layer against its diff_id, a layer the destination already holds included; save keeps a compressed layer without inflating it for that, as skopeo copy does, unless given --verify-diff-ids. Run baler without arguments on a terminal for the interactive screen.',
        ),
      },
      { title: 'COMMANDS', blocks: commands.map((c) => ({ kind: 'item', term: `baler-${c.spec.name}(1)`, text: c.spec.summary })) },
      { title: 'GLOBAL OPTIONS', blocks: flagItems(globalFlags) },
      {
        title: 'TRANSPORTS',
        blocks: [
          { kind: 'item', term: 'store, store:DIR', text: 'The embedded store (default location: see FILES and ENVIRONMENT).' },
          { kind: 'item', term: 'docker-archive:FILE[:IMAGE]', text: 'A docker save archive; FILE - is stdin or stdout.' },
          { kind: 'item', term: 'oci-archive:FILE[:IMAGE]', text: 'A tarred OCI image layout.' },
          { kind: 'item', term: 'oci:DIR[:IMAGE]', text: 'An OCI image layout directory (skopeo and umoci call it oci:).' },
          { kind: 'item', term: 'docker-root:DIR[:IMAGE]', text: 'A Docker data root such as /var/lib/docker, read offline (read-only).' },
          { kind: 'item', term: 'docker[:IMAGE]', text: 'The running Docker daemon at $DOCKER_HOST (unix:// only) or /var/run/docker.sock.' },
        ],
      },
      { title: 'ENVIRONMENT', blocks: ENVIRONMENT.map(([term, text]) => ({ kind: 'item', term, text })) },
      { title: 'EXIT STATUS', blocks: exitDocs.map(([code, text]) => ({ kind: 'item', term: String(code), text })) },
      { title: 'FILES', blocks: FILES.map(([term, text]) => ({ kind: 'item', term, text })) },
      { title: 'SEE ALSO', blocks: [{ kind: 'para', text: [...commands.map((c) => `baler-${c.spec.name}(1)`), 'docker-save(1)', 'skopeo(1)'].join(', ') }] },
    ],
  };
}

// --- markdown (marked-man / ronn style) -----------------------------------------------------------

export function toMarkdown(p: Page): string {
  const title = `${p.name}(1) -- ${p.summary}`;
  const out: string[] = [title, '='.repeat(title.length), '', '## SYNOPSIS', '', `\`${p.synopsis}\``, ''];
  for (const s of p.sections) {
    out.push(`## ${s.title}`, '');
    for (const b of s.blocks) {
      if (b.kind === 'para') out.push(b.text, '');
      else if (b.kind === 'item') out.push(`* \`${b.term}\`:`, `  ${b.text}`, '');
      else out.push(`    ${b.command}`, '', b.text, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

// --- roff ----------------------------------------------------------------------------------------

/** Escapes text for roff: backslashes, hyphens (so they copy as ASCII), and a leading . or '. */
function roffText(s: string): string {
  const escaped = s.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

export function toRoff(p: Page): string {
  const out: string[] = [
    `.\\" Generated by scripts/gen-man.ts from the command specs; do not edit.`,
    `.TH "${roffText(p.name.toUpperCase())}" "1" "" "baler ${VERSION}" "User Commands"`,
    '.SH NAME',
    `${roffText(p.name)} \\- ${roffText(p.summary)}`,
    '.SH SYNOPSIS',
    `.B ${roffText(p.synopsis)}`,
  ];
  for (const s of p.sections) {
    out.push(`.SH "${roffText(s.title)}"`);
    for (const b of s.blocks) {
      if (b.kind === 'para') out.push('.PP', roffText(b.text));
      else if (b.kind === 'item') out.push('.TP', `.B ${roffText(b.term)}`, roffText(b.text));
      else out.push('.PP', '.RS 4', '.nf', `\\fB${roffText(b.command)}\\fR`, '.fi', '.RE', roffText(b.text));
    }
  }
  return `${out.join('\n')}\n`;
}

/** Every file gen-man writes, by file name. */
export function renderManPages(): Map<string, string> {
  const files = new Map<string, string>();
  for (const page of [mainPage(), ...commands.map((c) => verbPage(c.spec))]) {
    files.set(`${page.name}.1.md`, toMarkdown(page));
    files.set(`${page.name}.1`, toRoff(page));
  }
  return files;
}

export async function writeManPages(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = renderManPages();
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return [...files.keys()];
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const dir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'man'));
  const written = await writeManPages(dir);
  process.stdout.write(`gen-man: wrote ${written.length} files to ${dir}\n`);
}
