import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `npm install` on Node 20 prints no engine warning: every package the lock file pins accepts the
 * Node versions this package promises (package.json `engines`, the oldest Node 20 every dependency
 * accepts), checked at that lowest version and at the Node running the tests.
 */
describe('the dependencies run on Node 20', () => {
  const root = process.cwd();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
  };

  it('promises Node 20 itself, and the Node running the tests', () => {
    expect(semver.minVersion(pkg.engines.node)?.major).toBe(20);
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('pins no package whose engines exclude the Node versions it promises', () => {
    const lowest = semver.minVersion(pkg.engines.node)!.version;
    const excluded = Object.entries(lock.packages)
      .filter(([path]) => path.startsWith('node_modules/'))
      .map(([path, p]) => ({
        name: path.replace(/^.*node_modules\//, ''),
        version: p.version,
        node: (p.engines as { node?: string })?.node,
      }))
      .filter(
        (p) => p.node && !(semver.satisfies(lowest, p.node) && semver.satisfies(process.version, p.node)),
      );
    expect(excluded).toEqual([]);
  });
});
