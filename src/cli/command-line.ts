/**
 * Formats the plain command that does what an interactive action did, so every TUI action can be
 * repeated in a script. Pure: no fs, no process state. The TUI prints the result when it finishes.
 */

/** POSIX shell quoting: bare when safe, else single quotes with embedded ' as '\''. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function formatCommandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Where the images come from, as the verbs spell it. */
export type CommandSource = { kind: 'store' } | { kind: 'archive'; path: string };

export type SaveFormat = 'docker' | 'oci';
/** save --layers: per-layer compression. */
export type LayerChoice = 'keep' | 'gzip' | 'zstd' | 'none';
/** save --compress: the whole archive file; 'auto' = from the -o name (.tar.gz, .tar.zst), not written out. */
export type ArchiveCompression = 'auto' | 'none' | 'gzip' | 'zstd';

export type EquivalentAction =
  | { verb: 'save'; images: string[]; output: string; format: SaveFormat; compression: LayerChoice; archive: ArchiveCompression; platform?: string; from?: string }
  | { verb: 'save-oci-dir'; images: string[]; output: string; compression: LayerChoice; platform?: string; from?: string }
  | { verb: 'load'; input: string; images: string[]; platform?: string }
  | { verb: 'export'; image: string; output: string; archive: ArchiveCompression; platform?: string; from?: string };

export interface CommandContextOptions {
  /** Given when the TUI ran with --store DIR; the command then names the same store. */
  storeFlag?: string;
}

function tail(a: { compression: LayerChoice; platform?: string }): string[] {
  const out: string[] = [];
  if (a.compression !== 'keep') out.push('--layers', a.compression);
  if (a.platform) out.push('--platform', a.platform);
  return out;
}

/** argv (starting with "baler") for an action. */
export function equivalentArgv(action: EquivalentAction, ctx: CommandContextOptions = {}): string[] {
  const store = ctx.storeFlag ? ['--store', ctx.storeFlag] : [];
  switch (action.verb) {
    case 'save':
      return [
        'baler',
        'save',
        ...store,
        ...(action.from ? ['--from', action.from] : []),
        '-o',
        action.output,
        ...(action.format === 'oci' ? ['--format', 'oci'] : []),
        ...(action.archive !== 'auto' ? ['--compress', action.archive] : []),
        ...tail(action),
        ...action.images,
      ];
    case 'save-oci-dir':
      return ['baler', 'save', ...store, ...(action.from ? ['--from', action.from] : []), '-o', action.output, '--format', 'oci-dir', ...tail(action), ...action.images];
    case 'export':
      return [
        'baler',
        'export',
        ...store,
        ...(action.from ? ['--from', action.from] : []),
        '-o',
        action.output,
        ...(action.archive !== 'auto' ? ['--compress', action.archive] : []),
        ...(action.platform ? ['--platform', action.platform] : []),
        action.image,
      ];
    case 'load':
      return ['baler', 'load', ...store, '-i', action.input, ...(action.platform ? ['--platform', action.platform] : []), ...action.images];
  }
}

export function equivalentCommand(action: EquivalentAction, ctx: CommandContextOptions = {}): string {
  return formatCommandLine(equivalentArgv(action, ctx));
}
