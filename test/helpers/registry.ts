import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes a registry (file name -> YAML text) into a fresh temp folder and returns the folder. */
export async function writeRegistry(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-test-registry-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Joins lines so that the line numbers asserted in a test are the ones in its source. */
export const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

/**
 * A small registry of the tests' own (one namespace, an enum, a template attribute, a deprecation,
 * metrics, an event, a span): what tests use when they need *a* registry quickly (a toolchain, a
 * node, scripted model answers) rather than the semantic-conventions release (see ./reference.ts).
 * Refer to this constant, not the path.
 */
export const MINI_REGISTRY = join(process.cwd(), 'test', 'fixtures', 'mini-registry');

/** `aa`, `ab`, ... : names made of letters only (namespace names the chunk ids quote) */
const letters = (i: number) =>
  `${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`;

/**
 * A large synthetic registry in a temp folder, for tests that need size rather than the real
 * conventions: `namespaces` root namespaces `ns_aa`, `ns_ab`, ... of `attributes` attributes each
 * (every fifth an enum of three members, some with examples), the first of `first` attributes
 * (one namespace too big for a small chunk), and a metric and an event per namespace.
 */
export async function writeLargeRegistry({
  namespaces = 60,
  attributes = 15,
  first = 150,
} = {}): Promise<string> {
  const files: Record<string, string> = {};
  for (let n = 0; n < namespaces; n++) {
    const ns = `ns_${letters(n)}`;
    const lines = [
      'groups:',
      `  - id: registry.${ns}`,
      '    type: attribute_group',
      `    brief: Attributes of ${ns}.`,
      '    attributes:',
    ];
    for (let a = 0; a < (n === 0 ? first : attributes); a++) {
      lines.push(`      - id: ${ns}.attr_${letters(a)}`);
      if (a % 5 === 0) {
        lines.push('        type:', '          members:');
        for (const m of ['alpha', 'beta', 'gamma'])
          lines.push(`            - {id: ${m}, value: ${m}, stability: development, brief: The ${m} value.}`);
      } else lines.push(`        type: ${a % 3 === 0 ? 'int' : 'string'}`);
      lines.push(
        '        stability: development',
        `        brief: Attribute ${a} of ${ns}, described in a sentence about as long as a real brief.`,
      );
      if (a % 4 === 1) lines.push(`        examples: ['example-${a}']`);
    }
    lines.push(
      `  - id: metric.${ns}.duration`,
      '    type: metric',
      `    metric_name: ${ns}.duration`,
      '    instrument: histogram',
      '    unit: s',
      '    stability: development',
      `    brief: Duration of ${ns} work.`,
      '    attributes:',
      `      - ref: ${ns}.attr_aa`,
      `  - id: event.${ns}.done`,
      '    type: event',
      `    name: ${ns}.done`,
      '    stability: development',
      `    brief: The ${ns} work is done.`,
    );
    files[`${ns}/registry.yaml`] = yaml(...lines);
  }
  return writeRegistry(files);
}

/** The project's own example registry (both syntaxes, a dependency registry, every loader feature). */
export const SHOP_REGISTRY = join(process.cwd(), 'examples', 'shop');
