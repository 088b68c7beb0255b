#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../node/version.js';

/**
 * The `weavergen` command line. Each command's module is imported only when it runs, so `--help`,
 * `--version` and `registry check` start without loading the node, libp2p, the OpenTelemetry SDK,
 * the model SDKs or the TypeScript compiler.
 */

// --verbose may be given anywhere: it only says whether an error prints its stack
const verbose = process.argv.includes('--verbose');
const argv = process.argv.filter((a) => a !== '--verbose');

const collect = (v: string, prev: string[]) => [...prev, v];
const HOME = 'home folder (default $WEAVERGEN_HOME or ./.weavergen)';

/** Each action returns an exit code; an error becomes one line (its stack with --verbose) and its exit code. */
const run =
  <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
  async (...args: A) => {
    try {
      process.exitCode = await fn(...args);
    } catch (e) {
      const { reportError } = await import('./errors.js');
      process.exitCode = reportError(e, verbose);
    }
  };

// a reader that stops early (`| head`) is not an error: the command's output ends there
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('weavergen')
  .description(
    'Generate, validate and learn to generate code from OpenTelemetry semantic-convention registries',
  )
  .version(VERSION)
  .addOption(new Option('--verbose', 'print the stack of an error (anywhere on the line)'))
  .showSuggestionAfterError()
  // usage errors (unknown command or option, a missing argument) exit 2 like every other usage error
  .exitOverride();

const registry = program
  .command('registry')
  .description('read, check and resolve a semantic-convention registry');
registry
  .command('check')
  .description(
    'check a registry like Weaver does, with file:line:column and a fix for every error (exit 1 on errors)',
  )
  .argument('[dir]', 'registry folder (v1 and v2 YAML files, manifest, local dependencies); or -r')
  .option('-r, --registry <dir>', 'registry folder, as Weaver takes it')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .addOption(
    new Option('--diagnostic-format <format>', "Weaver's diagnostic formats").choices([
      'ansi',
      'json',
      'gh_workflow_command',
    ]),
  )
  .action(
    run(async (dir: string | undefined, opts) =>
      (await import('./commands/registry-check.js')).registryCheck(dir, opts),
    ),
  );
registry
  .command('resolve')
  .description(
    "print the resolved registry (refs, extends, ref_group, refinements applied): Weaver's resolved shape (json, yaml) or WeaverGen's model",
  )
  .argument('[dir]', 'registry folder (or -r)')
  .option('-r, --registry <dir>', 'registry folder, as Weaver takes it')
  .addOption(
    new Option('--format <format>', "json and yaml: Weaver's shape (what jq filters see); model: WeaverGen's")
      .choices(['json', 'yaml', 'model'])
      .default('json'),
  )
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .action(
    run(async (dir: string | undefined, opts) =>
      (await import('./commands/registry-resolve.js')).registryResolve(dir, opts),
    ),
  );

registry
  .command('diff')
  .description(
    'what changed since an older release: attributes, metrics, events, spans added, removed, renamed, deprecated, changed',
  )
  .argument('[dir]', 'the newer registry (or -r)')
  .option('-r, --registry <dir>', 'the newer registry, as Weaver takes it')
  .option('--baseline-registry <dir>', 'the older registry (folder, git url[@ref][sub_dir] or archive)')
  .addOption(new Option('--diff-format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(
    run(async (dir: string | undefined, opts) =>
      (await import('./commands/registry-diff.js')).registryDiff(dir, opts),
    ),
  );
registry
  .command('stats')
  .description('what a registry holds: groups, attributes by type and stability, metrics by instrument')
  .argument('[dir]', 'registry (or -r)')
  .option('-r, --registry <dir>', 'registry, as Weaver takes it')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(
    run(async (dir: string | undefined, opts) =>
      (await import('./commands/registry-diff.js')).registryStatsCommand(dir, opts),
    ),
  );
registry
  .command('generate')
  .description(
    "Weaver's `registry generate`: render a Weaver template set (templates/registry/<target>/: weaver.yaml, Jinja templates, jq filters) against the resolved registry",
  )
  .argument('<target>', 'the template set: <templates>/registry/<target>/')
  .argument('[output]', 'output folder', 'output')
  .option('-r, --registry <dir>', 'registry folder (v1 and v2 YAML files, manifest, local dependencies)')
  .option('-t, --templates <dir>', 'templates root, holding registry/<target>/', 'templates')
  .option(
    '-D, --param <k=v>',
    'template parameter (a YAML value), repeatable; overrides weaver.yaml',
    collect,
    [],
  )
  .option('--params <file>', 'YAML file of parameters (`params: {...}` or a bare map)')
  .option('--allow-errors', 'generate even when the registry has check errors')
  .option('--timeout <seconds>', 'stop a template set that runs longer (default 120)')
  .option('--json', 'print one JSON object (files, templates applied) instead of the file list')
  .action(
    run(async (target: string, output: string | undefined, opts) =>
      (await import('./commands/registry-generate.js')).registryGenerate(target, output, opts),
    ),
  );

program
  .command('generate')
  .description(
    "generate code for one or more languages on the home's node, validate it with the real toolchains and score it",
  )
  .argument('<dir>', 'registry folder')
  .requiredOption('--lang <list>', 'languages, comma-separated: ts,python,go,rust,java')
  .option('--out <dir>', 'output root; files go to <out>/<language>/ (default <home>/out/<generation id>)')
  .option('--pack <name>', 'pack name (built-in) or pack folder; other languages use their default pack')
  .option('--param <k=v>', 'pack parameter, repeatable (an unknown param or value is an error)', collect, [])
  .option('--json', 'print one JSON object instead of the table')
  .option('--no-validate', 'do not run the toolchains (one candidate, recorded, nothing learned from it)')
  .option('--allow-errors', 'generate even when the registry has check errors (the record keeps them)')
  .option('--home <dir>', `${HOME}; its running node does the work, else one started here`)
  .action(run(async (dir: string, opts) => (await import('./commands/generate.js')).generate(dir, opts)));

program
  .command('ci')
  .description(
    'for CI: check the registry, generate and validate every language, gate on quality; writes a JUnit report (exit 1 when a check fails)',
  )
  .argument('[dir]', 'registry folder (or -r)')
  .option(
    '-r, --registry <registry>',
    'registry: folder, git url[@ref][sub_dir] or archive, as Weaver takes it',
  )
  .option('--lang <list>', 'languages, comma-separated (default all: typescript,python,go,rust,java)')
  .option('--out <dir>', 'output root; files go to <out>/<language>/ (default <home>/out/<generation id>)')
  .option('--pack <name>', 'pack name (built-in) or pack folder; other languages use their default pack')
  .option('--param <k=v>', 'pack parameter, repeatable (an unknown param or value is an error)', collect, [])
  .option('--candidates <n>', "candidates per language, 1 to 8 (default the node's generation.candidates)")
  .option('--min-quality <q>', "the lowest quality (0 to 1) a language's result may have (default 0.9)")
  .option('--junit <file>', 'the JUnit report (default weavergen-junit.xml; - for stdout)')
  .option('--json', 'print one JSON object (the checks and the generation) instead of the tables')
  .option('--home <dir>', `${HOME}; its running node does the work, else one started here`)
  .action(run(async (dir: string | undefined, opts) => (await import('./commands/ci.js')).ci(dir, opts)));

program
  .command('example')
  .description('a first look: generate the bundled example registry in every language into <home>/out')
  .option('--home <dir>', HOME)
  .option('--json', 'print one JSON object instead of the table')
  .action(run(async (opts) => (await import('./commands/example.js')).example(opts)));

program
  .command('generations')
  .description('recent generations of the home, newest first, with the ids `explain` takes')
  .option('--home <dir>', HOME)
  .option('--limit <n>', 'at most this many (1 to 500)', '20')
  .option('--json', 'print the generation records as JSON')
  .action(run(async (opts) => (await import('./commands/generations.js')).generations(opts)));

program
  .command('task')
  .description(
    'free-form code from the configured models, validated by running your tests (quality = share passing, gated by compiling)',
  )
  .argument('<description>', 'what to write, e.g. "a function sum(a, b) that treats a missing b as 0"')
  .requiredOption('--lang <language>', 'ts, python, go, rust or java (aliases typescript, py, golang, rs)')
  .requiredOption(
    '--tests <file>',
    'the test file the code must pass (node:test for ts, unittest for python, *_test.go for go, #[test] fns using `use super::*;` for rust, JUnit 5 @Test class for java)',
  )
  .option('--home <dir>', `${HOME}; its running node runs the task, else one started here`)
  .option('--json', 'print the whole result as JSON')
  .action(
    run(async (description: string, opts) => (await import('./commands/task.js')).task(description, opts)),
  );

program
  .command('explain')
  .description(
    'the decision chain of a generation or a task (choices, reasons, evidence span ids) as text and Mermaid',
  )
  .argument('<id>', 'a generation id (printed by generate, listed by `weavergen generations`) or a task id')
  .option('--home <dir>', HOME)
  .option('--mermaid', 'print only the Mermaid diagram')
  .option('--json', 'print decisions and diagram as JSON')
  .action(run(async (id: string, opts) => (await import('./commands/explain.js')).explain(id, opts)));

program
  .command('peers')
  .description(
    "the running node's peer id, announced addresses, share mode and peers (score, digests received, rejections by reason)",
  )
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (opts) => (await import('./commands/peers.js')).peers(opts)));

const tenant = program
  .command('tenant')
  .description(
    "tenants on this node: each has its own generations, spans, learning, cache and packs; tokens with roles (viewer, developer, admin). Managing tenants needs the home's token; $WEAVERGEN_TENANT names the tenant it acts in",
  );
tenant
  .command('create')
  .description('a new tenant (learning kept to itself unless --share on)')
  .argument('<id>', 'a-z, 0-9 and -, at most 63')
  .option('--name <name>', 'a display name')
  .option('--share <on|off>', "whether its learning goes into the node's gossiped digests (default off)")
  .option(
    '--quota <key=n>',
    'generationsPerHour, concurrentJobs, llmTokensPerDay or storageBytes; repeatable',
    collect,
    [],
  )
  .option(
    '--registry-root <dir>',
    'a folder its registries may be read from (default <home>/tenants/<id>/registries); repeatable',
    collect,
    [],
  )
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (id: string, opts) => (await import('./commands/tenant.js')).tenantCreate(id, opts)));
tenant
  .command('list')
  .description('every tenant with its sharing and quotas')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (opts) => (await import('./commands/tenant.js')).tenantList(opts)));
tenant
  .command('update')
  .description("change a tenant's name, sharing or quotas (its admin may only lower quotas)")
  .argument('<id>', 'the tenant')
  .option('--name <name>', 'a display name')
  .option('--share <on|off>', "whether its learning goes into the node's gossiped digests")
  .option('--quota <key=n>', 'the quotas, all of them (a key left out is no limit); repeatable', collect, [])
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (id: string, opts) => (await import('./commands/tenant.js')).tenantUpdate(id, opts)));
const token = tenant
  .command('token')
  .description("a tenant's API tokens (stored hashed; the secret is shown once)");
token
  .command('create')
  .description('a new token; prints its secret once')
  .argument('<tenant>', 'the tenant')
  .argument('<name>', 'who or what uses it (shown in lists and errors)')
  .addOption(
    new Option(
      '--role <role>',
      'viewer: reads; developer: generate, tasks, rate, install; admin: tokens, quotas, publish',
    )
      .choices(['viewer', 'developer', 'admin'])
      .makeOptionMandatory(),
  )
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(
    run(async (t: string, name: string, opts) =>
      (await import('./commands/tenant.js')).tokenCreate(t, name, opts),
    ),
  );
token
  .command('list')
  .description("a tenant's tokens (ids, names, roles; never secrets)")
  .argument('<tenant>', 'the tenant')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (t: string, opts) => (await import('./commands/tenant.js')).tokenList(t, opts)));
token
  .command('revoke')
  .description('revoke a token by its id (it stops working at once)')
  .argument('<tenant>', 'the tenant')
  .argument('<id>', 'the token id (weavergen tenant token list)')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(
    run(async (t: string, id: string, opts) =>
      (await import('./commands/tenant.js')).tokenRevoke(t, id, opts),
    ),
  );
program
  .command('usage')
  .description('what your tenant used against its quotas (generations, jobs in flight, LLM tokens, storage)')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (opts) => (await import('./commands/tenant.js')).usage(opts)));

const pack = program
  .command('pack')
  .description('pattern packs: publish, search, show, install, rate and list them');
pack
  .command('publish')
  .description(
    "validate a pack folder, render it on the example registry and compile the result, sign it with the node's peer key, keep it and announce it on the network",
  )
  .argument('<dir>', 'the pack folder (pack.yaml and templates/)')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(
    run(async (dir: string, opts) => (await import('./commands/pack-publish.js')).packPublish(dir, opts)),
  );
pack
  .command('search')
  .description('packs this node knows (built-in, installed, announced by peers), best rated first')
  .argument('[text]', 'words that must all appear in the name, description or language')
  .option('--lang <language>', 'ts, python, go, rust or java')
  .addOption(new Option('--kind <kind>', 'template or prompt').choices(['template', 'prompt']))
  .option('--limit <n>', 'at most this many (1 to 500)')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(
    run(async (text: string | undefined, opts) =>
      (await import('./commands/pack-search.js')).packSearch(text, opts),
    ),
  );
pack
  .command('show')
  .description('one pack: what it is, who published it, its params, how its checks went, its ratings')
  .argument('<id>', 'content id or name')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (id: string, opts) => (await import('./commands/pack-show.js')).packShow(id, opts)));
pack
  .command('install')
  .description(
    'fetch a pack from its providers, verify its content id and signature, render and compile it in the sandbox; then it is an arm (needs a node running with the network on)',
  )
  .argument('<id>', 'content id or name')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(
    run(async (id: string, opts) => (await import('./commands/pack-install.js')).packInstall(id, opts)),
  );
pack
  .command('rate')
  .description("rate a pack 1 to 5, signed with the node's peer key and kept in its home (not gossiped)")
  .argument('<id>', 'content id or name')
  .argument('<stars>', '1 (bad) to 5 (excellent)')
  .option('--comment <text>', 'a few words on why')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(
    run(async (id: string, stars: string, opts) =>
      (await import('./commands/pack-rate.js')).packRate(id, stars, opts),
    ),
  );
pack
  .command('list')
  .description('the installed packs with their local quality and network rating')
  .option('--home <dir>', HOME)
  .option('--json', 'print as JSON')
  .action(run(async (opts) => (await import('./commands/pack-list.js')).packList(opts)));

const SHARE =
  'what this node shares: off, receive-only (the default), contexts:<languages or context globs> (e.g. contexts:typescript,go), all';

program
  .command('init')
  .description(
    "in a repository: create the node's home and token, write a commented <home>/weavergen.config.json with what the node shares (asks at a terminal), find the registries here, print the next commands",
  )
  .option('--share <mode>', SHARE)
  .option('--home <dir>', HOME)
  .option('--dir <repo>', 'the repository to search for semantic-convention registries (default: here)')
  .option('--force', 'replace a share mode the config already sets')
  .action(run(async (opts) => (await import('./commands/init.js')).init(opts)));

program
  .command('insights')
  .description('what the node learned: best arms per context, mined rules, correlations, promotions')
  .option('--home <dir>', HOME)
  .option('--json', 'print the insights object as JSON')
  .action(run(async (opts) => (await import('./commands/insights.js')).insights(opts)));

program
  .command('spans')
  .description('print recorded spans as trees')
  .option('--home <dir>', HOME)
  .option('--trace <id>', 'one trace')
  .option('--generation <id>', 'the spans of one generation')
  .option('--name <name>', 'only spans with this name')
  .option('--limit <n>', 'at most this many spans (1 to 10000)', '200')
  .option('--json', 'print the span records as JSON')
  .action(run(async (opts) => (await import('./commands/spans.js')).spans(opts)));

const nodeCommand = (cmd: Command) =>
  cmd
    .description(
      'run the node: LevelDB store, spans, learning, the HTTP API and dashboard (Ctrl-C stops it cleanly)',
    )
    .option('--home <dir>', HOME)
    .option('--api-port <port>', 'API port on 127.0.0.1 (default 4590; 0 picks a free one and prints it)')
    .option('--api-host <host>', 'API host (default 127.0.0.1)')
    .option('--no-example', 'do not run the example generation on a fresh home')
    .option(
      '--listen <multiaddrs>',
      'libp2p listen addresses, comma-separated (default /ip4/127.0.0.1/tcp/0; e.g. /ip4/0.0.0.0/tcp/4591)',
    )
    .option(
      '--announce <multiaddrs>',
      'the only addresses peers are told, comma-separated (needed to be dialled when listening on 0.0.0.0)',
    )
    .option(
      '--bootstrap <multiaddrs>',
      'peers to join through, comma-separated multiaddrs ending in /p2p/<peer id>',
    )
    .option('--mdns', 'discover peers on the local network with mDNS')
    .option('--share <mode>', SHARE)
    .option('--no-network', 'run without the peer-to-peer network (learning stays local)')
    .action(run(async (opts) => (await import('./commands/node-start.js')).nodeStart(opts)));
nodeCommand(program.command('node').description('the WeaverGen node').command('start'));
nodeCommand(program.command('start'));

try {
  await program.parseAsync(argv);
} catch (e) {
  // commander has printed its message (or the help / version); help and version are not errors
  if (!(e instanceof CommanderError)) throw e;
  const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version';
  process.exitCode = ok ? 0 : 2;
}
