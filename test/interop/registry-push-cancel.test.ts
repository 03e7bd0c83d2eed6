/**
 * An interrupted or failed push leaves no upload bytes on a real registry (docker-registry 2.8): every open
 * upload session is cancelled (DELETE) before baler exits, also the one whose PATCH was on the wire when the
 * signal came; a registry that refuses the cancel makes the exit message say what it may keep.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { isAlive, stopByPid } from '../helpers/stop-process.js';
import { listFilesRecursive, TempDirs } from '../helpers/temp-dirs.js';

const reg = withRegistry();
const skip = reg.skip;
const tmp = new TempDirs();
const started: ChildProcess[] = [];
after(async () => {
  for (const child of started) if (child.pid !== undefined && isAlive(child.pid)) await stopByPid(child.pid);
  await tmp.removeAll();
});

/** Incompressible, so the layer is as big in the archive as on the wire: several 8 MiB PATCH chunks. */
const LAYER_BYTES = 64 * 1024 * 1024;
/** blob-upload.ts DEFAULT_CHUNK_SIZE */
const CHUNK_BYTES = 8 * 1024 * 1024;
let archive = '';
let work = '';

before(async () => {
  if (skip) return;
  work = await tmp.make('baler-push-cancel-');
  const root = join(work, 'root');
  await mkdir(root);
  await writeFile(join(root, 'big.bin'), randomBytes(LAYER_BYTES));
  const store = join(work, 'store');
  await balerOk(['import', '--store', store, root, 'big:1']);
  archive = join(work, 'big.tar');
  await balerOk(['save', '--store', store, '-o', archive, 'big:1']);
}, { timeout: 120_000 });

/** The files under a repository's `_uploads` with their sizes (registry path layout of distribution 2.8). */
async function uploads(repo: string): Promise<Array<{ path: string; size: number }>> {
  const dir = join(reg.dir, 'data', 'docker', 'registry', 'v2', 'repositories', repo, '_uploads');
  const files = await listFilesRecursive(dir);
  // a file the registry removes while this lists is not there any more
  const sized = await Promise.all(files.map(async (path) => ({ path, size: (await stat(join(dir, path)).catch(() => undefined))?.size ?? -1 })));
  return sized.filter((f) => f.size >= 0);
}

const uploadedBytes = async (repo: string): Promise<number> => (await uploads(repo)).filter((f) => f.path.endsWith('/data')).reduce((n, f) => n + f.size, 0);

/**
 * `baler load -i big.tar --into registry://HOST/REPO:1`, sent `signal` as soon as the registry holds upload
 * bytes for REPO's layer (polled), so a PATCH is on the wire or just answered. Resolves once baler has exited.
 */
async function interruptedPush(host: string, repo: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; exitMs: number; bytesAtSignal: number }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), 'load', '--store', join(work, 'p'), '-i', archive, '--into', `registry://${host}/${repo}:1`], {
    cwd: work,
    env: { ...process.env, BALER_STORE: '', NODE_TEST_CONTEXT: '', NODE_OPTIONS: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  let ended = false;
  void exited.then(() => (ended = true));
  let bytesAtSignal = 0;
  // a whole chunk in: the layer's upload has begun (the config, a few hundred bytes, went in one PUT)
  while (!ended && bytesAtSignal < CHUNK_BYTES) {
    bytesAtSignal = await uploadedBytes(repo);
    if (bytesAtSignal < CHUNK_BYTES) await sleep(2);
  }
  const signalled = Date.now();
  child.kill(signal);
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(guard);
  return { code, stderr, exitMs: Date.now() - signalled, bytesAtSignal };
}

async function tagExists(host: string, repo: string): Promise<boolean> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/1`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
  return res.status === 200;
}

/**
 * docker-registry 2.8 writes a hashstate of about 100 bytes back into the session directory while it
 * answers a successful DELETE (seen with curl too): what must be gone is the upload's data.
 */
function assertNoUploadData(files: Array<{ path: string; size: number }>, label: string): void {
  assert.deepEqual(files.filter((f) => f.path.endsWith('/data')), [], `${label}: upload data left: ${JSON.stringify(files)}`);
  assert.ok(files.every((f) => /\/hashstates\/sha256\/[0-9]+$/.test(f.path) && f.size < 1024), `${label}: ${JSON.stringify(files)}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`a push interrupted by ${signal} mid-layer cancels its upload session: the registry keeps no upload bytes and no tag`, { skip, timeout: 120_000 }, async () => {
    const repo = `cancel-${signal.toLowerCase()}/img`;
    const r = await interruptedPush(reg.host, repo, signal);
    assert.ok(r.bytesAtSignal >= CHUNK_BYTES && r.bytesAtSignal < LAYER_BYTES, `the signal came while the layer was being uploaded (${r.bytesAtSignal} bytes in)`);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stderr, 'baler: interrupted; nothing partial was left behind\n');
    assert.ok(r.exitMs < 3000, `baler exited ${r.exitMs} ms after ${signal}`);
    assertNoUploadData(await uploads(repo), repo);
    assert.equal(await tagExists(reg.host, repo), false);
  });
}

test('a push that fails mid-layer (a corrupt archive) cancels its upload session: no upload bytes stay', { skip, timeout: 120_000 }, async () => {
  const corrupt = join(work, 'corrupt.tar');
  const bytes = readFileSync(archive);
  // a byte in the middle of big.bin's content: the layer digest check fails at the end of the layer
  const at = bytes.length >> 1;
  bytes[at] = (bytes[at] as number) ^ 0xff;
  writeFileSync(corrupt, bytes);
  const repo = 'cancel-failure/img';
  const args = ['load', '--store', join(work, 'p'), '-i', corrupt, '--into', `registry://${reg.host}/${repo}:1`];
  const r = await runBaler(args);
  assert.notEqual(r.code, 0, describeRun(args, r));
  assert.match(r.stderr, /digest mismatch/, describeRun(args, r));
  assertNoUploadData(await uploads(repo), repo);
  assert.equal(await tagExists(reg.host, repo), false);
});

/** An HTTP proxy to the registry that refuses every DELETE (405), as a registry that cannot cancel uploads. */
async function deleteRefusingProxy(target: string): Promise<{ host: string; close(): Promise<void> }> {
  const [hostname, port] = [target.replace(/:[0-9]+$/, ''), Number(target.replace(/^.*:/, ''))];
  const server = http.createServer((req, res) => {
    if (req.method === 'DELETE') {
      req.resume();
      res.writeHead(405, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] }));
      return;
    }
    const upstream = http.request({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('an interrupted push whose upload the registry will not cancel does not claim that nothing was left', { skip, timeout: 120_000 }, async () => {
  const proxy = await deleteRefusingProxy(reg.host);
  try {
    const repo = 'cancel-refused/img';
    const r = await interruptedPush(proxy.host, repo, 'SIGINT');
    assert.ok(r.bytesAtSignal >= CHUNK_BYTES, `${r.bytesAtSignal} bytes in`);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stderr, `baler: interrupted; registry://${proxy.host}/${repo} may keep an unfinished upload until the registry purges stale uploads\n`);
    assert.ok(r.exitMs < 3000, `baler exited ${r.exitMs} ms after SIGINT`);
    assert.ok((await uploadedBytes(repo)) >= CHUNK_BYTES, `the refused DELETE left the upload on the registry: ${JSON.stringify(await uploads(repo))}`);
  } finally {
    await proxy.close();
  }
});
