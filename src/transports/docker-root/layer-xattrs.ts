import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import { readTarEntries } from '../../tar/read.js';

/**
 * The extended attributes Docker puts in a layer or export tar when it builds one from a directory
 * (moby pkg/archive): `security.capability` of any entry (ReadSecurityXattrToTarHeader) and, in an
 * overlay2 diff dir, `trusted.overlay.opaque` (a directory deleted and re-created: formats.md §5).
 */
export const CAPABILITY_XATTR = 'security.capability';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** Path (relative, `/`-joined, latin1: one char per name byte) → xattr name → value (latin1 bytes). */
export type XattrMap = Map<string, Record<string, string>>;

export interface LayerXattrs {
  attrs: XattrMap;
  /** Which helper read them: getfattr (attr package; reads no file contents) or GNU tar (reads every file). */
  tool: 'getfattr' | 'tar';
}

/**
 * Reads the two xattrs Docker carries for every entry under `dir`, never following symlinks. Node has no
 * xattr API, so a small helper does it: getfattr when installed (metadata only), else GNU tar (which
 * also reads file contents, so it doubles the reads). Undefined when neither is installed.
 */
export async function readLayerXattrs(dir: string, signal?: AbortSignal): Promise<LayerXattrs | undefined> {
  const names = [CAPABILITY_XATTR, OPAQUE_XATTR];
  return readXattrs(dir, { regex: `^(${names.map((n) => n.replace(/\./g, '\\.')).join('|')})$`, globs: names }, signal);
}

/** Which xattrs a read keeps: `regex` (POSIX ERE over the whole name, for getfattr -m) and the same set as tar --xattrs-include globs. */
export interface XattrSelection {
  regex: string;
  globs: readonly string[];
}

/** Like readLayerXattrs, for any set of xattr names (rootfs import keeps user.* too). */
export async function readXattrs(dir: string, selection: XattrSelection, signal?: AbortSignal): Promise<LayerXattrs | undefined> {
  const viaGetfattr = await readWithGetfattr(dir, selection.regex, signal);
  if (viaGetfattr) return { attrs: viaGetfattr, tool: 'getfattr' };
  const viaTar = await readWithTar(dir, selection.globs, signal);
  return viaTar ? { attrs: viaTar, tool: 'tar' } : undefined;
}

/**
 * Docker stores a file capability as revision 2: a revision-3 value (with a namespace root uid) is
 * cut to the 20-byte revision-2 form, since that uid means nothing outside the build's user namespace.
 */
export function dockerCapability(value: string): string {
  const bytes = Buffer.from(value, 'latin1');
  if (bytes.length > 20 && bytes[3] === 3) {
    const v2 = Buffer.from(bytes.subarray(0, 20));
    v2[3] = 2;
    return v2.toString('latin1');
  }
  return value;
}

interface Helper {
  ok: boolean;
  stdout: NodeJS.ReadableStream;
  exited: Promise<{ code: number; stderr: string }>;
}

async function startHelper(cmd: string, args: string[], signal?: AbortSignal): Promise<Helper> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
  const ok = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (b: Buffer) => stderr.push(b));
  const exited = new Promise<{ code: number; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code: code ?? 1, stderr: Buffer.concat(stderr).toString() })),
  );
  return { ok, stdout: child.stdout, exited };
}

function failed(tool: string, dir: string, r: { code: number; stderr: string }): BalerError {
  const why = r.stderr.trim().split('\n')[0] || `exit status ${r.code}`;
  return new BalerError('E_PEER', `${tool} could not read the extended attributes under ${dir}: ${why}`);
}

/** getfattr escapes `\`, newlines and a few others in names as `\ooo` (octal bytes). */
function unescapeGetfattrName(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function readWithGetfattr(dir: string, pattern: string, signal?: AbortSignal): Promise<XattrMap | undefined> {
  // -R -P: walk without following symlinked dirs; -h: a symlink's own attributes; hex keeps bytes exact
  const h = await startHelper('getfattr', ['--absolute-names', '-R', '-P', '-h', '-d', '-m', pattern, '-e', 'hex', dir], signal);
  if (!h.ok) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of h.stdout) chunks.push(c as Buffer);
  const r = await h.exited;
  if (r.code !== 0) throw failed('getfattr', dir, r);
  const out: XattrMap = new Map();
  const prefix = `${Buffer.from(dir).toString('latin1').replace(/\/+$/, '')}/`;
  let current: Record<string, string> | undefined;
  // names are raw bytes: latin1 keeps them 1:1
  for (const line of Buffer.concat(chunks).toString('latin1').split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = unescapeGetfattrName(line.slice('# file: '.length));
      current = undefined;
      if (!path.startsWith(prefix)) continue; // the directory itself
      current = {};
      out.set(path.slice(prefix.length), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) {
      const value = line.slice(eq + 1);
      current[line.slice(0, eq)] = value.startsWith('0x') ? Buffer.from(value.slice(2), 'hex').toString('latin1') : value.replace(/^"|"$/g, '');
    }
  }
  return out;
}

async function readWithTar(dir: string, globs: readonly string[], signal?: AbortSignal): Promise<XattrMap | undefined> {
  const include = globs.map((n) => `--xattrs-include=${n}`);
  const h = await startHelper('tar', ['--xattrs', ...include, '-cf', '-', '-C', dir, '.'], signal);
  if (!h.ok) return undefined;
  const out: XattrMap = new Map();
  for await (const { header, body } of readTarEntries(h.stdout as Readable, `tar --xattrs of ${dir}`)) {
    body.resume();
    const found: Record<string, string> = {};
    for (const [k, v] of Object.entries(header.pax ?? {})) if (k.startsWith('SCHILY.xattr.')) found[k.slice('SCHILY.xattr.'.length)] = v;
    const rel = header.name.replace(/^\.\//, '').replace(/\/$/, '');
    // the tar reader decodes names as UTF-8; back to one char per byte (exact for UTF-8 names)
    if (rel !== '' && rel !== '.' && Object.keys(found).length > 0) out.set(Buffer.from(rel, 'utf8').toString('latin1'), found);
  }
  const r = await h.exited;
  if (r.code !== 0) throw failed('tar', dir, r);
  return out;
}
