import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { c as tarCreate } from 'tar';
import { describe, expect, it } from 'vitest';
import {
  loadRegistry,
  openRegistrySource,
  parseSourceSpec,
  SemconvErrorCode,
} from '../../../node/semconv/index.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';

const hasGit = (() => {
  try {
    execFileSync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

/** the example registry under `model/` of a fresh folder (as in the semantic-conventions repository) */
function repoWithModel(): string {
  const root = mkdtempSync(join(tmpdir(), 'wg-src-'));
  cpSync(MINI_REGISTRY, join(root, 'model'), { recursive: true });
  return root;
}

async function attributesOf(spec: string): Promise<number> {
  const s = await openRegistrySource(spec);
  try {
    return (await loadRegistry(s.path, { check: false })).registry.attributes.length;
  } finally {
    await s.cleanup();
  }
}

describe("registry sources, as Weaver's -r takes them", () => {
  it('parses location, @ref and [sub_dir]', () => {
    expect(parseSourceSpec('https://github.com/o/r.git@v1.2.0[model]')).toEqual({
      location: 'https://github.com/o/r.git',
      ref: 'v1.2.0',
      subDir: 'model',
    });
    expect(parseSourceSpec('/tmp/x.zip[a/model]')).toEqual({ location: '/tmp/x.zip', subDir: 'a/model' });
    expect(parseSourceSpec('git@github.com:o/r.git')).toEqual({ location: 'git@github.com:o/r.git' });
  });

  it('a local git repository by file URL, at a tag, with a sub-folder; the clone is removed after', async () => {
    const expected = (await loadRegistry(MINI_REGISTRY, { check: false })).registry.attributes.length;
    const repo = repoWithModel();
    const git = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { stdio: 'ignore' });
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'registry');
    git('tag', 'v1.0.0');
    // a later commit the tag must not see
    writeFileSync(
      join(repo, 'model', 'later.yaml'),
      'groups:\n  - id: registry.later\n    type: attribute_group\n    brief: Later.\n    attributes:\n      - {id: later.x, type: string, brief: X., stability: development}\n',
    );
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'later');
    const s = await openRegistrySource(`file://${repo}@v1.0.0[model]`);
    expect(s.kind).toBe('git');
    expect((await loadRegistry(s.path, { check: false })).registry.attributes.length).toBe(expected);
    await s.cleanup();
    expect(await attributesOf(`file://${repo}[model]`)).toBe(expected + 1);
  }, 30_000);

  it('a .tar.gz and a .zip archive with a sub-folder', async () => {
    const expected = (await loadRegistry(MINI_REGISTRY, { check: false })).registry.attributes.length;
    const repo = repoWithModel();
    const tgz = join(mkdtempSync(join(tmpdir(), 'wg-arch-')), 'registry.tar.gz');
    await tarCreate({ gzip: true, file: tgz, cwd: repo }, ['model']);
    expect(await attributesOf(`${tgz}[model]`)).toBe(expected);
    const files: Record<string, Uint8Array> = {};
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const walk = (dir: string, rel: string) => {
      for (const n of readdirSync(dir)) {
        const p = join(dir, n);
        if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
        else files[`${rel}${n}`] = new Uint8Array(readFileSync(p));
      }
    };
    walk(join(repo, 'model'), 'semconv-1.0/model/');
    const zip = join(mkdtempSync(join(tmpdir(), 'wg-arch-')), 'registry.zip');
    writeFileSync(zip, zipSync(files));
    expect(await attributesOf(`${zip}[semconv-1.0/model]`)).toBe(expected);
  });

  it('refuses a zip entry that leaves its folder, a missing sub-folder and a failed clone, with the reason', async () => {
    const zip = join(mkdtempSync(join(tmpdir(), 'wg-arch-')), 'evil.zip');
    writeFileSync(zip, zipSync({ '../../escaped.yaml': new Uint8Array([1]) }));
    await expect(openRegistrySource(zip)).rejects.toMatchObject({
      code: SemconvErrorCode.NOT_FOUND,
      message: expect.stringMatching(/leaves its folder/),
    });
    const tgz = join(mkdtempSync(join(tmpdir(), 'wg-arch-')), 'r.tar.gz');
    await tarCreate({ gzip: true, file: tgz, cwd: repoWithModel() }, ['model']);
    await expect(openRegistrySource(`${tgz}[nope]`)).rejects.toThrow(/no folder "nope"/);
    if (hasGit)
      await expect(openRegistrySource('file:///nonexistent/repo.git')).rejects.toThrow(/git clone failed/);
  });
});
