import assert from 'node:assert/strict';
import type { PrivateDockerd } from './dockerd.js';

/** What must survive a round trip through baler: the image ID, every tag and every layer diff_id, in order. */
export interface ImageFacts {
  id: string;
  tags: string[];
  layers: string[];
}

interface InspectJson {
  Id: string;
  RepoTags: string[] | null;
  RootFS: { Layers?: string[] };
}

/** Facts of every image in the daemon, sorted by ID (tags sorted), from `docker inspect`. */
export async function dockerImageFacts(d: PrivateDockerd): Promise<ImageFacts[]> {
  const ids = [...new Set((await d.dockerChecked(['images', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean))];
  if (ids.length === 0) return [];
  const inspected = JSON.parse((await d.dockerChecked(['image', 'inspect', ...ids])).stdout) as InspectJson[];
  return inspected
    .map((i) => ({ id: i.Id, tags: [...(i.RepoTags ?? [])].sort(), layers: i.RootFS.Layers ?? [] }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function allTags(facts: readonly ImageFacts[]): string[] {
  return facts.flatMap((f) => f.tags).sort();
}

/**
 * Runs the images of fixtures/docker20-multi.tar in the daemon (`--network none`) and checks what a user
 * of them sees: each CMD, the opaque dir marker, whiteouts (motd, the recreated /data), a hard link pair
 * and a non-ASCII file name. Throws (assert) on any difference.
 */
export async function assertFixtureImagesRun(d: PrivateDockerd): Promise<void> {
  const run = async (image: string, ...cmd: string[]): Promise<string> => (await d.dockerChecked(['run', '--rm', '--network', 'none', image, ...cmd])).stdout;
  assert.equal(await run('imga:1'), 'new\n');
  assert.equal(await run('imgo:1'), 'new\n', 'opaque dir marker applied');
  assert.equal(await run('imgb:latest'), 'b\n');
  const probe = 'ls /data; test -e /etc/motd || echo no-motd; cat /hl/link; stat -c %h /hl/orig; cat /utf8/*';
  assert.equal(await run('imga:1', '/bin/sh', '-c', probe), 'new\nno-motd\nhard\n2\ngrüße\n');
}
