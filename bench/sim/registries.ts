import { appendFile, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

/** A registry of the replay, and which half of the fixed split it is in. */
export interface RegistrySpec {
  name: string;
  dir: string;
  /** fit: the predictor learns (and any setting is tuned) on it; report: prediction is reported on it */
  set: 'fit' | 'report';
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

/** What the compatibility layer no longer records: [name, type, deprecation] of each. */
const RETIRED: [string, string, string][] = [
  ['user_agent', 'string', '{reason: renamed, renamed_to: compat.caller.name}'],
  ['client_ip', 'string', '{reason: obsoleted, note: Addresses are not recorded.}'],
  ['session_id', 'string', '{reason: obsoleted, note: Sessions are not recorded.}'],
  ['retry_count', 'int', '{reason: uncategorized, note: Retries are spans of their own.}'],
  ['timeout_ms', 'int', '{reason: obsoleted, note: Timeouts are not forwarded.}'],
  ['compressed', 'boolean', '{reason: obsoleted, note: Every payload is compressed.}'],
  ['charset', 'string', '{reason: obsoleted, note: Every payload is UTF-8.}'],
  ['route_name', 'string', '{reason: uncategorized, note: Use the caller name.}'],
  ['hop_count', 'int', '{reason: obsoleted, note: The layer forwards once.}'],
  ['cache_hit', 'boolean', '{reason: obsoleted, note: The layer does not cache.}'],
  ['tenant', 'string', '{reason: obsoleted, note: Tenancy is a resource attribute.}'],
  ['trace_flag', 'string', '{reason: obsoleted, note: Sampling is in the trace context.}'],
];

/**
 * Small registries of the bench's own, written where asked: two heavy on deprecations (attributes,
 * members and metrics, with and without notes; one for the fit set, one for the report set), one on
 * numeric and boolean-looking enums, templates and events. They give the replay deprecation marks to
 * drop and numbers to get wrong without the real registry.
 */
export const SYNTHETIC: Record<string, Record<string, string>> = {
  'synthetic (deprecations)': {
    'legacy/registry.yaml': lines(
      'groups:',
      '  - id: registry.legacy',
      '    type: attribute_group',
      '    brief: Attributes kept for old instrumentations.',
      '    attributes:',
      '      - id: legacy.client.name',
      '        type: string',
      '        stability: development',
      '        brief: Name of the client library.',
      '        deprecated: {reason: renamed, renamed_to: legacy.library.name}',
      '      - id: legacy.library.name',
      '        type: string',
      '        stability: stable',
      '        brief: Name of the instrumented library.',
      '      - id: legacy.session.token',
      '        type: string',
      '        stability: development',
      '        brief: Token of the session.',
      '        deprecated: {reason: obsoleted, note: Sessions are not recorded any more.}',
      '      - id: legacy.retry.count',
      '        type: int',
      '        stability: development',
      '        brief: How often the call was retried.',
      '      - id: legacy.transport',
      '        stability: development',
      '        brief: Transport of the call.',
      '        type:',
      '          members:',
      '            - {id: tcp, value: tcp, stability: development, brief: Plain TCP.}',
      '            - {id: udp, value: udp, stability: development, brief: Plain UDP.}',
      '            - {id: pipe, value: pipe, stability: development, brief: A named pipe., deprecated: {reason: obsoleted, note: Pipes are not supported.}}',
      '      - id: legacy.host.id',
      '        type: string',
      '        stability: development',
      '        brief: Identifier of the host.',
      '        deprecated: {reason: renamed, renamed_to: legacy.machine.id}',
      '      - id: legacy.machine.id',
      '        type: string',
      '        stability: development',
      '        brief: Identifier of the machine.',
      '  - id: metric.legacy.calls',
      '    type: metric',
      '    metric_name: legacy.calls',
      '    instrument: counter',
      '    unit: "{call}"',
      '    stability: development',
      '    brief: Calls made by old clients.',
      '    deprecated: {reason: renamed, renamed_to: legacy.call.count}',
      '  - id: metric.legacy.call.count',
      '    type: metric',
      '    metric_name: legacy.call.count',
      '    instrument: counter',
      '    unit: "{call}"',
      '    stability: development',
      '    brief: Calls made by clients.',
    ),
  },
  'synthetic (numbers)': {
    'queue/registry.yaml': lines(
      'groups:',
      '  - id: registry.queue',
      '    type: attribute_group',
      '    brief: Attributes of a message queue.',
      '    attributes:',
      '      - id: queue.priority',
      '        stability: development',
      '        brief: Priority of the message.',
      '        type:',
      '          members:',
      '            - {id: low, value: 0, stability: development, brief: Delivered when idle.}',
      '            - {id: normal, value: 5, stability: development, brief: Delivered in order.}',
      '            - {id: urgent, value: 9, stability: development, brief: Delivered first.}',
      '      - id: queue.delivery.mode',
      '        stability: development',
      '        brief: How often a message is delivered.',
      '        type:',
      '          members:',
      '            - {id: at_most_once, value: at_most_once, stability: development, brief: Never twice.}',
      '            - {id: at_least_once, value: at_least_once, stability: development, brief: Never lost.}',
      '      - id: queue.header',
      '        type: template[string]',
      '        stability: development',
      '        brief: A message header, the key being the header name.',
      '      - id: queue.name',
      '        type: string',
      '        stability: stable',
      '        brief: Name of the queue.',
      '      - id: queue.message.size',
      '        type: int',
      '        stability: development',
      '        brief: Size of the message body in bytes.',
      '  - id: metric.queue.depth',
      '    type: metric',
      '    metric_name: queue.depth',
      '    instrument: updowncounter',
      '    unit: "{message}"',
      '    stability: development',
      '    brief: Messages waiting in the queue.',
      '  - id: event.queue.message.dropped',
      '    type: event',
      '    name: queue.message.dropped',
      '    stability: development',
      '    brief: A message was dropped.',
    ),
  },
  // a second deprecation-heavy registry, for the report set: most of its items deprecated, in every
  // form (renamed, obsoleted with a note, uncategorized; attributes, enum members, metrics), with
  // briefs that do not say "deprecated", so dropping a mark is an error the Python check can see too
  'synthetic (deprecations, report)': {
    'compat/registry.yaml': lines(
      'groups:',
      '  - id: registry.compat',
      '    type: attribute_group',
      '    brief: Attributes of calls made through the compatibility layer.',
      '    attributes:',
      '      - id: compat.agent.name',
      '        type: string',
      '        stability: development',
      '        brief: Name of the agent that made the call.',
      '        deprecated: {reason: renamed, renamed_to: compat.caller.name}',
      '      - id: compat.caller.name',
      '        type: string',
      '        stability: development',
      '        brief: Name of the caller.',
      '      - id: compat.agent.version',
      '        type: string',
      '        stability: development',
      '        brief: Version of the agent.',
      '        deprecated: {reason: renamed, renamed_to: compat.caller.version}',
      '      - id: compat.caller.version',
      '        type: string',
      '        stability: development',
      '        brief: Version of the caller.',
      '      - id: compat.cookie',
      '        type: string',
      '        stability: development',
      '        brief: Cookie sent with the call.',
      '        deprecated: {reason: obsoleted, note: Cookies are not recorded.}',
      '      - id: compat.request.bytes',
      '        type: int',
      '        stability: development',
      '        brief: Size of the request in bytes.',
      '        deprecated: {reason: uncategorized, note: Use the body size instead.}',
      '      - id: compat.body.size',
      '        type: int',
      '        stability: development',
      '        brief: Size of the request body in bytes.',
      '      - id: compat.secure',
      '        type: boolean',
      '        stability: development',
      '        brief: Whether the call was encrypted.',
      '        deprecated: {reason: obsoleted, note: Every call is encrypted now.}',
      '      - id: compat.encoding',
      '        stability: development',
      '        brief: Encoding of the payload.',
      '        type:',
      '          members:',
      '            - {id: json, value: json, stability: development, brief: JSON text.}',
      '            - {id: xml, value: xml, stability: development, brief: XML text., deprecated: {reason: obsoleted, note: XML is not accepted.}}',
      '            - {id: soap, value: soap, stability: development, brief: A SOAP envelope., deprecated: {reason: obsoleted, note: SOAP is not accepted.}}',
      '            - {id: binary, value: binary, stability: development, brief: Raw bytes.}',
      ...RETIRED.flatMap(([name, type, deprecated]) => [
        `      - id: compat.retired.${name}`,
        `        type: ${type}`,
        '        stability: development',
        `        brief: The ${name.replace(/_/g, ' ')} the old agents sent.`,
        `        deprecated: ${deprecated}`,
      ]),
      '      - id: compat.mode',
      '        stability: development',
      '        brief: How the layer forwarded the call.',
      '        deprecated: {reason: obsoleted, note: The layer forwards every call the same way.}',
      '        type:',
      '          members:',
      '            - {id: proxy, value: proxy, stability: development, brief: Forwarded as is.}',
      '            - {id: rewrite, value: rewrite, stability: development, brief: Rewritten first.}',
      '  - id: metric.compat.requests',
      '    type: metric',
      '    metric_name: compat.requests',
      '    instrument: counter',
      '    unit: "{request}"',
      '    stability: development',
      '    brief: Calls made through the layer.',
      '    deprecated: {reason: renamed, renamed_to: compat.call.count}',
      '  - id: metric.compat.call.count',
      '    type: metric',
      '    metric_name: compat.call.count',
      '    instrument: counter',
      '    unit: "{call}"',
      '    stability: development',
      '    brief: Calls made through the layer.',
      '  - id: metric.compat.latency',
      '    type: metric',
      '    metric_name: compat.latency',
      '    instrument: histogram',
      '    unit: ms',
      '    stability: development',
      '    brief: Time the layer added to a call.',
      '    deprecated: {reason: obsoleted, note: The layer adds no measurable time.}',
    ),
  },
};

/** Writes a registry (file name -> YAML text) into `dir`. */
export async function writeRegistryFiles(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/**
 * A copy of a registry for one run of the replay, with the local registries its manifest depends on
 * beside it as they were, and a comment naming the run appended to one of its files: a seed is a
 * new registry for the node's request cache (same registry bytes and request: the earlier result),
 * and the same registry for everything else.
 */
export async function runCopy(spec: RegistrySpec, into: string, run: string): Promise<string> {
  const src = resolve(spec.dir);
  const dst = join(into, 'registry');
  await cp(src, dst, { recursive: true });
  const manifest = await readFile(join(src, 'registry_manifest.yaml'), 'utf8').catch(() => '');
  for (const m of manifest.matchAll(/registry_path:\s*['"]?([^'"\s]+)/g)) {
    const dep = resolve(src, m[1]);
    await cp(dep, resolve(dst, relative(src, dep)), { recursive: true });
  }
  const yaml = await firstYaml(dst);
  if (!yaml) throw new Error(`no YAML file in ${spec.dir}`);
  await appendFile(yaml, `\n# weavergen bench: reasoning replay run ${run}\n`);
  return dst;
}

async function firstYaml(dir: string): Promise<string | undefined> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const file = entries.find((e) => e.isFile() && /\.ya?ml$/.test(e.name));
  if (file) return join(dir, file.name);
  for (const d of entries.filter((e) => e.isDirectory())) {
    const found = await firstYaml(join(dir, d.name));
    if (found) return found;
  }
  return undefined;
}
