import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Compression } from '../codecs/index.js';
import { hexOf, isDigest, type Digest } from '../model/digest.js';

/**
 * Pairs "compressed blob X decompresses to content Y" that this user's baler has verified, like
 * Docker's image/…/distribution/diffid-by-digest and containers/image's blob-info cache. A later copy
 * of X whose image config expects diff_id Y then needs no decompression.
 *
 * Why that is the same check as decompressing: the pair is only recorded after a copy hashed the exact
 * compressed bytes to X (the source-digest check) and their decompression to Y (the diff_id check),
 * both in one pipeline. A later copy still hashes every byte it reads against X, so (SHA-256 being
 * collision resistant) it has the very bytes verified before, and decompression is a deterministic
 * function of those bytes: their content hashes to Y again. The entry records the decoder too (gzip,
 * zstd…), so the same decoder is implied. A pair whose Y is not the diff_id asked for is never used to
 * fail a layer: the caller then decompresses and checks for real (a cache can only save work, never
 * decide an error).
 *
 * Entries cannot be forged by anyone who cannot read the key: each one carries an HMAC-SHA256 under a
 * random key in the cache dir (mode 0600, owned by this user; a key readable by others, or owned by
 * someone else, switches the cache off). An entry that does not carry a valid MAC (written by hand,
 * copied from elsewhere, torn by a crash, flipped on disk) is ignored. Whoever can read the key can
 * already run code as this user, which no cache design defends against.
 *
 * Entries are written to a temp name and renamed (readers never see half an entry), without fsync: an
 * entry lost in a crash costs one decompression, and one torn by a crash fails its MAC.
 */
export class VerifiedDiffIds {
  private key: Promise<Buffer | undefined> | undefined;

  /** `dir`: the cache directory (pairs go to `dir/diffid-by-digest`). */
  constructor(readonly dir: string) {}

  private get root(): string {
    return join(this.dir, 'diffid-by-digest');
  }

  private entryPath(compressed: Digest): string {
    return join(this.root, 'sha256', hexOf(compressed));
  }

  /**
   * True only when a valid entry says `compressed`, decoded as `compression`, gives `diffId`.
   * Any doubt (no entry, unreadable, bad MAC, another pair) is false: decompress and check then.
   */
  async knows(compressed: Digest, compression: Compression, diffId: Digest): Promise<boolean> {
    try {
      const key = await this.loadKey(false);
      if (!key) return false;
      const text = await readFile(this.entryPath(compressed), 'utf8');
      const [version, codec, x, y, mac, ...rest] = text.trim().split(' ');
      if (rest.length > 0 || version !== VERSION || codec !== compression || x !== compressed || y !== diffId || !isDigest(y)) return false;
      const want = Buffer.from(pairMac(key, compression, compressed, diffId), 'hex');
      const got = Buffer.from(mac ?? '', 'hex');
      return got.length === want.length && timingSafeEqual(got, want);
    } catch {
      return false;
    }
  }

  /** Records a pair the caller has just verified (see the class comment for what that takes). Never throws. */
  async remember(compressed: Digest, compression: Compression, diffId: Digest): Promise<void> {
    try {
      const key = await this.loadKey(true);
      if (!key) return;
      const path = this.entryPath(compressed);
      await mkdir(join(this.root, 'sha256'), { recursive: true, mode: 0o700 });
      const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      await writeFile(temp, `${VERSION} ${compression} ${compressed} ${diffId} ${pairMac(key, compression, compressed, diffId)}\n`, { mode: 0o600 });
      await rename(temp, path).catch(async (err: unknown) => {
        await unlink(temp).catch(() => undefined);
        throw err;
      });
    } catch {
      // a cache that cannot be written only costs a decompression next time
    }
  }

  /** The MAC key, created on first write; undefined when it is missing (reading) or not private to this user. */
  private loadKey(create: boolean): Promise<Buffer | undefined> {
    const cached = this.key;
    if (cached) return cached.then((k) => k ?? (create ? this.createKey() : undefined));
    this.key = readPrivateKey(join(this.root, 'key'));
    return this.loadKey(create);
  }

  private createKey(): Promise<Buffer | undefined> {
    this.key = createPrivateKey(this.root).catch(() => undefined);
    return this.key;
  }
}

/**
 * v2: a gzip pair now also says nothing follows the blob's last member. v1 pairs were recorded by a gunzip
 * that ignored zero padding and whatever came after it, so they may vouch for a layer now refused.
 */
const VERSION = 'v2';

function pairMac(key: Buffer, compression: Compression, compressed: Digest, diffId: Digest): string {
  return createHmac('sha256', key).update(`${VERSION} ${compression} ${compressed} ${diffId}`).digest('hex');
}

/** The key, if it is a regular file of this user that nobody else may read or write. */
async function readPrivateKey(path: string): Promise<Buffer | undefined> {
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      const uid = process.getuid?.();
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) return undefined;
      const key = await fh.readFile();
      return key.length === KEY_BYTES ? key : undefined;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

const KEY_BYTES = 32;

/** Creates the key with link() so two first writers agree on one key (the loser reads the winner's). */
async function createPrivateKey(root: string): Promise<Buffer | undefined> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const path = join(root, 'key');
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return readPrivateKey(path);
}

/**
 * The cache of this user: $BALER_CACHE_DIR, else $XDG_CACHE_HOME/baler, else ~/.cache/baler;
 * none when BALER_NO_CACHE is set (to 1 or anything but 0 or empty).
 */
export function verifiedDiffIdsFor(env: NodeJS.ProcessEnv): VerifiedDiffIds | undefined {
  if (env.BALER_NO_CACHE && env.BALER_NO_CACHE !== '0') return undefined;
  const dir = env.BALER_CACHE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'baler');
  return new VerifiedDiffIds(dir);
}

let processCache: { dir: string | undefined; cache: VerifiedDiffIds | undefined } | undefined;

/** verifiedDiffIdsFor(process.env), one instance per cache dir (the key is read once). */
export function verifiedDiffIds(): VerifiedDiffIds | undefined {
  const fresh = verifiedDiffIdsFor(process.env);
  if (!processCache || processCache.dir !== fresh?.dir) processCache = { dir: fresh?.dir, cache: fresh };
  return processCache.cache;
}
