import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeRegistry, yaml } from '../../helpers/registry.js';

/** A small v1 registry with what the Weaver helpers branch on: stabilities, deprecation, an enum, a template, metrics, an event, a span. */
export const registryFiles = {
  'registry.yaml': yaml(
    'groups:',
    '  - id: registry.http',
    '    type: attribute_group',
    '    brief: HTTP attributes.',
    '    attributes:',
    '      - id: http.request.method',
    '        type:',
    '          members:',
    '            - id: get',
    '              value: GET',
    '              brief: GET method.',
    '              stability: stable',
    '            - id: query',
    '              value: QUERY',
    '              brief: QUERY method.',
    '              stability: development',
    '        brief: HTTP request method.',
    '        note: |',
    '',
    '          Case-sensitive.',
    '        examples: GET',
    '        stability: stable',
    '      - id: http.request.header',
    '        type: template[string[]]',
    '        brief: HTTP request headers.',
    '        examples: [["a", "b"]]',
    '        stability: stable',
    '      - id: http.route',
    '        type: string',
    '        brief: The matched route.',
    '        examples: ["/users/:id", "/"]',
    '        stability: development',
    '      - id: http.method',
    '        type: string',
    '        brief: Old method.',
    '        stability: development',
    '        deprecated:',
    '          reason: renamed',
    '          renamed_to: http.request.method',
    '  - id: registry.db',
    '    type: attribute_group',
    '    brief: DB attributes.',
    '    attributes:',
    '      - id: db.hidden',
    '        type: int',
    '        brief: Not for code.',
    '        stability: development',
    '        annotations:',
    '          code_generation:',
    '            exclude: true',
    '      - id: db.rows',
    '        type: int',
    '        brief: Rows returned.',
    '        stability: stable',
    '  - id: metric.http.server.duration',
    '    type: metric',
    '    metric_name: http.server.duration',
    '    brief: Server request duration.',
    '    instrument: histogram',
    '    unit: s',
    '    stability: stable',
    '    attributes:',
    '      - ref: http.request.method',
    '        requirement_level: required',
    '      - ref: http.route',
    '        requirement_level:',
    '          conditionally_required: If available.',
    '  - id: metric.db.rows.read',
    '    type: metric',
    '    metric_name: db.rows.read',
    '    brief: Rows read.',
    '    instrument: counter',
    '    unit: "{row}"',
    '    stability: development',
    '  - id: event.http.done',
    '    type: event',
    '    name: http.done',
    '    brief: A request finished.',
    '    stability: development',
    '  - id: span.http.server',
    '    type: span',
    '    span_kind: server',
    '    brief: An HTTP server span.',
    '    stability: stable',
    '    attributes:',
    '      - ref: http.request.method',
  ),
};

export const testRegistry = () => writeRegistry(registryFiles);

/** Writes a template set: `<root>/registry/<target>/<file>` for each file; returns the templates root. */
export async function writeTemplates(target: string, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'wg-weaver-templates-'));
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, 'registry', target, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return root;
}
