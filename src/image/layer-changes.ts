/**
 * What each layer of an image does to the file system, and how many bytes lower layers carry that
 * the final image cannot see ("wasted space", as dive calls it). Pure: it takes the tar headers of
 * each layer (base first) and returns plain data; no streams, no fs.
 *
 * Whiteouts follow formats.md §4.3: `.wh.NAME` deletes NAME from lower layers, `.wh..wh..opq`
 * hides every lower entry under its directory; both act on lower layers only, so entries of the
 * same layer survive. Deletions of a layer are therefore applied before its additions.
 */

export type LayerEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One tar header of a layer, path already normalised (no `./`, no leading or trailing `/`). */
export interface LayerEntry {
  path: string;
  type: LayerEntryType;
  size: number;
  linkTarget?: string;
}

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface FileChange {
  path: string;
  kind: ChangeKind;
  type: LayerEntryType;
  /** Size of the new entry; for `removed`, the bytes of lower entries the delete hid. */
  size: number;
}

export interface HiddenFile {
  path: string;
  size: number;
  /** Layer index that holds the bytes. */
  layer: number;
  /** Layer index whose overwrite or delete hides them. */
  hiddenBy: number;
}

export interface LayerChangeSummary {
  index: number;
  changes: FileChange[];
  added: number;
  changed: number;
  removed: number;
  /** Bytes of regular files this layer adds or replaces. */
  bytes: number;
}

export interface SquashHint {
  from: number;
  to: number;
  /** Bytes that squashing layers from..to together would drop. */
  saves: number;
}

export interface ImageChanges {
  layers: LayerChangeSummary[];
  hidden: HiddenFile[];
  wastedBytes: number;
  /** Bytes of regular files across all layers. */
  totalBytes: number;
  squash: SquashHint[];
}

const OPAQUE = '.wh..wh..opq';
const WHITEOUT_PREFIX = '.wh.';

interface FsNode {
  children: Map<string, FsNode>;
  /** Set when some layer wrote this path; undefined for a directory implied by deeper paths. */
  entry?: { layer: number; type: LayerEntryType; size: number };
}

function newNode(): FsNode {
  return { children: new Map() };
}

function splitPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function lookup(root: FsNode, parts: readonly string[]): FsNode | undefined {
  let n: FsNode | undefined = root;
  for (const p of parts) {
    n = n.children.get(p);
    if (!n) return undefined;
  }
  return n;
}

function ensure(root: FsNode, parts: readonly string[]): FsNode {
  let n = root;
  for (const p of parts) {
    let c = n.children.get(p);
    if (!c) {
      c = newNode();
      n.children.set(p, c);
    }
    n = c;
  }
  return n;
}

/** Every regular file (with its path) in a subtree, for hidden-bytes accounting. */
function collectFiles(node: FsNode, path: string, out: Array<{ path: string; layer: number; size: number }>): void {
  if (node.entry && node.entry.type === 'file' && node.entry.size > 0) out.push({ path, layer: node.entry.layer, size: node.entry.size });
  for (const [name, child] of node.children) collectFiles(child, path ? `${path}/${name}` : name, out);
}

/** Base-first list of layers, each a list of its tar headers. */
export function computeImageChanges(layers: ReadonlyArray<readonly LayerEntry[]>): ImageChanges {
  const root = newNode();
  const hidden: HiddenFile[] = [];
  const summaries: LayerChangeSummary[] = [];
  let totalBytes = 0;

  layers.forEach((entries, index) => {
    const changes: FileChange[] = [];
    const hide = (node: FsNode, path: string): number => {
      const files: Array<{ path: string; layer: number; size: number }> = [];
      collectFiles(node, path, files);
      let bytes = 0;
      for (const f of files) {
        hidden.push({ ...f, hiddenBy: index });
        bytes += f.size;
      }
      return bytes;
    };

    // === deletions first: they act on lower layers only
    for (const e of entries) {
      const parts = splitPath(e.path);
      const base = parts[parts.length - 1];
      if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) continue;
      const dirParts = parts.slice(0, -1);
      const dirPath = dirParts.join('/');
      if (base === OPAQUE) {
        const dir = lookup(root, dirParts);
        if (!dir) continue;
        let bytes = 0;
        for (const [name, child] of dir.children) bytes += hide(child, dirPath ? `${dirPath}/${name}` : name);
        dir.children.clear();
        changes.push({ path: dirPath ? `${dirPath}/` : '/', kind: 'removed', type: 'dir', size: bytes });
        continue;
      }
      const targetParts = [...dirParts, base.slice(WHITEOUT_PREFIX.length)];
      const parent = lookup(root, dirParts);
      const name = targetParts[targetParts.length - 1] as string;
      const target = parent?.children.get(name);
      const targetPath = targetParts.join('/');
      if (!parent || !target) {
        changes.push({ path: targetPath, kind: 'removed', type: 'other', size: 0 });
        continue;
      }
      const bytes = hide(target, targetPath);
      parent.children.delete(name);
      changes.push({ path: targetPath, kind: 'removed', type: target.entry?.type ?? 'dir', size: bytes });
    }

    // === then this layer's own entries
    let bytes = 0;
    for (const e of entries) {
      const parts = splitPath(e.path);
      const base = parts[parts.length - 1];
      if (base === undefined || base.startsWith(WHITEOUT_PREFIX)) continue;
      const node = ensure(root, parts);
      const before = node.entry;
      const fileSize = e.type === 'file' ? e.size : 0;
      if (before && before.layer !== index) {
        // A lower file replaced by this layer: its bytes stay in the lower layer, unseen.
        if (before.type === 'file' && before.size > 0) hidden.push({ path: parts.join('/'), size: before.size, layer: before.layer, hiddenBy: index });
        // A non-directory replacing a directory hides everything below it too.
        if (e.type !== 'dir' && node.children.size > 0) {
          for (const [n, child] of node.children) hide(child, `${parts.join('/')}/${n}`);
          node.children.clear();
        }
      }
      const kind: ChangeKind = before && before.layer !== index ? 'changed' : 'added';
      node.entry = { layer: index, type: e.type, size: fileSize };
      changes.push({ path: parts.join('/'), kind, type: e.type, size: fileSize });
      bytes += fileSize;
    }
    totalBytes += bytes;
    summaries.push({
      index,
      changes,
      added: changes.filter((c) => c.kind === 'added').length,
      changed: changes.filter((c) => c.kind === 'changed').length,
      removed: changes.filter((c) => c.kind === 'removed').length,
      bytes,
    });
  });

  const wastedBytes = hidden.reduce((s, h) => s + h.size, 0);
  return { layers: summaries, hidden, wastedBytes, totalBytes, squash: squashHints(hidden) };
}

/**
 * Ranges of layers whose squashing would drop hidden bytes: every hidden file is saved by squashing
 * its holder through its hider, so each (layer, hiddenBy) pair is a candidate; the best three by bytes.
 */
export function squashHints(hidden: readonly HiddenFile[], limit = 3): SquashHint[] {
  const byRange = new Map<string, SquashHint>();
  for (const h of hidden) {
    const key = `${h.layer}-${h.hiddenBy}`;
    const cur = byRange.get(key) ?? { from: h.layer, to: h.hiddenBy, saves: 0 };
    cur.saves += h.size;
    byRange.set(key, cur);
  }
  return [...byRange.values()].sort((a, b) => b.saves - a.saves || a.from - b.from).slice(0, limit);
}
