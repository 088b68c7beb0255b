import { type ChildProcess, fork } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { table } from '../cli/render/table.js';
import { startApiServer } from '../node/api/index.js';
import { loadConfig } from '../node/config.js';
import { createNode, type WeaverNode } from '../node/node.js';
import { packageRoot } from '../node/paths.js';
import { type Collaborator, call, collaborate, type Reply, type Watcher, watch } from './teams-clients.js';

/**
 * Tenants and live collaboration at scale (issue 17), on loopback, bounded in count and time. One
 * real node (createNode on a temp home, startApiServer on 127.0.0.1 port 0, network off) in a child
 * process of its own, so its memory and event-loop delay are its own; every client in this process.
 *
 * - baseline, in the same run on the same node: one tenant (`solo`, 2 concurrent jobs, no hourly
 *   quota), no watchers, no collaborators: the same reads and submissions as the load, for half
 *   as long; run again after the load (the machine's drift); submissions alone for reference;
 * - then TENANTS tenants made through the API with the operator's token (quotas: 2 concurrent jobs,
 *   GENERATIONS_PER_HOUR generations an hour), a developer token each, a copy of the tests' mini
 *   registry in `<home>/tenants/<id>/registries`, one generation each (which composes its parts);
 * - the load: 10 clients a tenant at once: 5 SSE watchers of GET /v1/events per tenant held open
 *   the whole run, reads (GET /v1/generations?limit=5, /v1/usage, /v1/generations/:id, autocannon,
 *   a tenant per request in turn), job submissions (POST /v1/generate at a fixed rate, tenants in
 *   turn, 8 a tenant: above the hourly quota) and 10 collaborators editing one generation's
 *   annotation (PATCH with baseVersion, retry on 409, a comment after each accepted edit).
 *
 * Checked: no answer but 2xx and 429 (the quotas), every watcher still connected, its stream's seq
 * without a gap, a `result` for each generation its tenant submitted and no event of another
 * tenant's; the annotation's counter equal to the accepted writes, every comment there; the
 * node's heap (after a GC) back near where it was before the load once the watchers closed.
 * Generations: the builtin generator, TypeScript, one candidate, no validation (toolchains left
 * out: the node's API and its bookkeeping are what is measured, not tsc).
 */
const ROLE = process.env.WEAVERGEN_BENCH_TEAMS_ROLE;
/** tenants; every client count scales with it (10 clients a tenant); WEAVERGEN_BENCH_TEAMS_TENANTS=10 for a quick run */
const TENANTS = Math.max(2, Number(process.env.WEAVERGEN_BENCH_TEAMS_TENANTS ?? 100));
/** seconds of the load with every client; the baseline runs half as long */
const SECONDS = Number(process.env.WEAVERGEN_BENCH_TEAMS_SECONDS ?? (TENANTS >= 100 ? 20 : 6));
const BASE_SECONDS = Math.max(2, SECONDS / 2);
const WATCHERS_PER_TENANT = 5;
const CLIENTS = 10 * TENANTS;
const WATCHERS = WATCHERS_PER_TENANT * TENANTS;
const COLLABORATORS = 10;
const EDITS = Number(process.env.WEAVERGEN_BENCH_TEAMS_EDITS ?? (TENANTS >= 100 ? 20 : 5));
const SUBMITTERS = Math.max(2, Math.round(0.4 * TENANTS));
const READERS = CLIENTS - WATCHERS - SUBMITTERS - COLLABORATORS;
/** `limit=5`: a tenant of the load holds 1 to 5 generations, the baseline's 5 or more, so the bodies compare */
const ROUTES = ['/v1/generations?limit=5', '/v1/usage', '/v1/generations/:id'] as const;
/** submissions a second, all tenants together: 8 a tenant over the load, above the hourly quota */
const SUBMIT_RATE = Math.round((8 * TENANTS) / SECONDS);
const GENERATIONS_PER_HOUR = 5;
const CONCURRENT_JOBS = 2;
/** the heap after the load (after a GC) may be this much above the one before it and still count as held */
const HELD = { ratio: 1.25, mb: 16 };
/** how long generations accepted during the load may take to finish and reach every watcher */
const DRAIN_MS = 90_000;
/** event-loop delay sampling interval of monitorEventLoopDelay (subtracted from what it records) */
const ELD_RESOLUTION_MS = 1;
/** the node's libuv threadpool (LevelDB and fs calls run there); unset: Node's default of 4 */
const THREADPOOL = process.env.WEAVERGEN_BENCH_TEAMS_THREADPOOL;
const TRACE = process.env.WEAVERGEN_BENCH_TEAMS_TRACE === '1';
const MINI = join(packageRoot(), 'test', 'fixtures', 'mini-registry');

interface Team {
  id: string;
  token: string;
  registry: string;
  /** generations made before the load (seeds) */
  seeds: string[];
}

interface Mem {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

interface Watched {
  eld: { p50: number; p99: number; max: number; mean: number };
  peak: Mem;
  /** the event loop of the bench's own process, where every client runs */
  clients?: Watched['eld'];
  /** with WEAVERGEN_BENCH_TEAMS_TRACE=1: the LevelDB calls of the phase, ms */
  db?: Record<string, { n: number; p50: number; p99: number; max: number }>;
}

interface RouteSample {
  route: string;
  times: number[];
  statuses: Map<number, number>;
  errors: number;
  bytes: number;
  seconds: number;
}

interface Submissions {
  times: Map<number, number[]>;
  /** the same, from the moment the request had a connection (the agent's wait for one of the SUBMITTERS left out) */
  sentTimes: Map<number, number[]>;
  /** the same, by the connection the request went on: `kept` (keep-alive) or `new` (after a 429 closed one) */
  byConnection: Map<string, number[]>;
  statuses: Map<string, number>;
  accepted: Map<string, string[]>;
  other: Reply[];
  sent: number;
}

export async function benchTeams(): Promise<void> {
  const began = performance.now();
  const home = await mkdtemp(join(tmpdir(), 'weavergen-bench-teams-'));
  const { child, url, ask, unexpected } = await spawnNode(home);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sseAgent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const watchers: Watcher[] = [];
  const problems: string[] = [];
  try {
    const operator = (await readFile(join(home, 'token'), 'utf8')).trim();
    // the node's event loop and memory in each phase, and this process's event loop (the clients')
    let clients: ReturnType<typeof monitorEventLoopDelay> | undefined;
    const startWatch = async () => {
      clients = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
      clients.enable();
      await ask('watch-start');
    };
    const stopWatch = async (): Promise<Watched> => {
      const w = (await ask('watch-stop')) as Watched;
      clients?.disable();
      w.clients = eldOf(clients);
      return w;
    };
    const owner = new Map<string, string>();

    // --- baseline: one tenant, no watchers, no collaborators: the same reads and submissions
    const solo = await makeTeam(agent, url, operator, home, 'solo', { concurrentJobs: CONCURRENT_JOBS });
    // as many generations as a tenant of the load holds at most by its end (the reads list the newest 5)
    for (let i = 0; i < GENERATIONS_PER_HOUR; i++) solo.seeds.push(await generateAndWait(agent, url, solo));
    for (const id of solo.seeds) owner.set(id, solo.id);
    // warm the node's JIT on every route (not measured)
    await readLoad(url, [solo], 2);
    const memStart = (await ask('mem', { gc: true })).mem as Mem;
    const baseline = async () => {
      await startWatch();
      const [r, s] = await Promise.all([
        readLoad(url, [solo], BASE_SECONDS),
        submitLoad(url, [solo], BASE_SECONDS),
      ]);
      const w = await stopWatch();
      for (const ids of s.accepted.values()) for (const id of ids) owner.set(id, solo.id);
      await waitIdle(agent, url, [solo], 60_000);
      return { reads: r, submit: s, watched: w };
    };
    const base = await baseline();
    const baseReads = base.reads;
    const baseSubmit = base.submit;
    // submissions with nothing else going on, for reference
    await startWatch();
    const alone = await submitLoad(url, [solo], BASE_SECONDS / 2);
    const aloneWatch = await stopWatch();
    for (const ids of alone.accepted.values()) for (const id of ids) owner.set(id, solo.id);
    await waitIdle(agent, url, [solo], 60_000);

    // --- the tenants, made through the API
    let t = performance.now();
    const teams: Team[] = await pool(TENANTS, 10, (i) =>
      makeTeam(agent, url, operator, home, `t${String(i).padStart(3, '0')}`, {
        concurrentJobs: CONCURRENT_JOBS,
        generationsPerHour: GENERATIONS_PER_HOUR,
      }),
    );
    // the collaborators' own developer tokens, in the first tenant
    const collabTokens = await pool(COLLABORATORS, 5, async (i) => {
      const r = await call(agent, `${url}/v1/tenants/${teams[0].id}/tokens`, 'POST', operator, {
        name: `collaborator-${i}`,
        role: 'developer',
      });
      if (r.status !== 201)
        throw new Error(`token of collaborator ${i}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.secret as string;
    });
    const madeS = (performance.now() - t) / 1000;
    const memMade = (await ask('mem', { gc: true })).mem as Mem;
    t = performance.now();
    // a first generation each: composes the tenant's parts (on first use) and renders for real
    await pool(TENANTS, 8, async (i) => {
      const id = await generateAndWait(agent, url, teams[i]);
      teams[i].seeds.push(id);
      owner.set(id, teams[i].id);
    });
    const seedS = (performance.now() - t) / 1000;
    const memBefore = (await ask('mem', { gc: true })).mem as Mem;

    // --- the load: watchers first, held open the whole run
    t = performance.now();
    for (const team of teams)
      for (let k = 0; k < WATCHERS_PER_TENANT; k++) watchers.push(watch(sseAgent, url, team.id, team.token));
    const opened = await Promise.allSettled(watchers.map((w) => withTimeout(w.ready, 30_000, 'ready')));
    const notReady = opened.filter((o) => o.status === 'rejected');
    const openS = (performance.now() - t) / 1000;
    const annotated = teams[0].seeds[0];
    await startWatch();
    const [reads, submit, collaborators] = await Promise.all([
      readLoad(url, teams, SECONDS),
      submitLoad(url, teams, SECONDS),
      Promise.all(
        collabTokens.map((token, i) => collaborate(agent, url, token, annotated, `collaborator-${i}`, EDITS)),
      ),
    ]);
    const mainWatch = await stopWatch();
    for (const [tenant, ids] of submit.accepted) for (const id of ids) owner.set(id, tenant);

    // every accepted generation ends, and its result reaches each watcher of its tenant (bounded)
    t = performance.now();
    const byTenant = new Map(teams.map((x) => [x.id, watchers.filter((w) => w.tenant === x.id)]));
    const missing = () => {
      let n = 0;
      for (const [tenant, ids] of submit.accepted)
        for (const w of byTenant.get(tenant) ?? []) for (const id of ids) if (!w.results.has(id)) n++;
      return n;
    };
    while (missing() > 0 && performance.now() - t < DRAIN_MS) await sleep(250);
    const drainS = (performance.now() - t) / 1000;
    // what the records say (did the generation end, how)
    const ended = new Map<string, number>();
    const acceptedAll = [...submit.accepted].flatMap(([tenant, ids]) => ids.map((id) => ({ tenant, id })));
    const tokenOf = new Map(teams.map((x) => [x.id, x.token]));
    await pool(acceptedAll.length, 16, async (i) => {
      const { tenant, id } = acceptedAll[i];
      const r = await call(agent, `${url}/v1/generations/${id}`, 'GET', tokenOf.get(tenant));
      const status = r.status === 200 ? String(r.body.status) : `HTTP ${r.status}`;
      ended.set(status, (ended.get(status) ?? 0) + 1);
    });
    // the annotation as the node holds it
    const annotation = (
      await call(agent, `${url}/v1/generations/${annotated}/annotation`, 'GET', teams[0].token)
    ).body;

    // --- the watchers go; the node should give back what they and the load held
    const stillOpen = watchers.filter((w) => !w.endedEarly).length;
    for (const w of watchers) w.close();
    await sleep(2_000);
    const memAfter = (await ask('mem', { gc: true })).mem as Mem;
    // the baseline's read load once more, as a check of the machine's drift over the run
    // the baseline once more, as a check of the machine's drift over the run
    const again = await baseline();

    // --- checks
    const readsBad = [...baseReads, ...reads, ...again.reads].filter(
      (s) => s.errors > 0 || [...s.statuses.keys()].some(notOk),
    );
    for (const s of readsBad)
      problems.push(
        `reads ${s.route}: ${statusText(s.statuses)}${s.errors ? `, ${s.errors} connection errors or timeouts` : ''}`,
      );
    for (const [name, s] of [
      ['baseline', baseSubmit],
      ['alone', alone],
      ['load', submit],
      ['baseline again', again.submit],
    ] as const)
      if (s.other.length > 0)
        problems.push(
          `submissions (${name}): ${s.other.length} answers neither 202 nor 429 with Retry-After, e.g. ${s.other
            .slice(0, 3)
            .map((r) => `${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
            .join('; ')}`,
        );
    const notSucceeded = [...ended].filter(([s]) => s !== 'succeeded');
    if (notSucceeded.length > 0)
      problems.push(
        `accepted generations not succeeded: ${notSucceeded.map(([s, n]) => `${n} ${s}`).join(', ')}`,
      );
    if (notReady.length > 0)
      problems.push(
        `${notReady.length} watchers never got ready, e.g. ${(notReady[0] as PromiseRejectedResult).reason}`,
      );
    const sse = sseCheck(watchers, submit, owner, teams[0].id);
    if (stillOpen < WATCHERS)
      problems.push(`${WATCHERS - stillOpen} watchers were disconnected during the run`);
    if (sse.gaps > 0) problems.push(`${sse.gaps} gaps in the watchers' event sequence numbers`);
    if (sse.dropped > 0) problems.push(`${sse.dropped} lagged or reload events (a watcher was dropped)`);
    if (sse.missing > 0) problems.push(`${sse.missing} results of the tenant's generations not received`);
    if (sse.foreign > 0) problems.push(`${sse.foreign} events of another tenant's generations received`);
    const accepted = collaborators.reduce((a, c) => a + c.accepted, 0);
    const conflicts = collaborators.reduce((a, c) => a + c.conflicts, 0);
    const comments = collaborators.reduce((a, c) => a + c.comments, 0);
    const otherCollab = collaborators.flatMap((c) => [...c.other]);
    const counter = annotation?.fields?.counter ?? { value: Number.NaN, version: Number.NaN };
    const texts = new Set<string>((annotation?.comments ?? []).map((c: { text: string }) => c.text));
    const wanted = collaborators.flatMap((_, i) =>
      Array.from({ length: collaborators[i].comments }, (_, k) => `collaborator-${i} edit ${k + 1}`),
    );
    const commentsMissing = wanted.filter((x) => !texts.has(x)).length;
    if (otherCollab.length > 0)
      problems.push(`collaborators got ${otherCollab.map(([s, n]) => `${n}x ${s}`).join(', ')}`);
    if (accepted !== COLLABORATORS * EDITS)
      problems.push(`collaborators made ${accepted} of ${COLLABORATORS * EDITS} edits`);
    if (counter.value !== accepted || counter.version !== accepted)
      problems.push(
        `lost write: counter ${counter.value} (version ${counter.version}) after ${accepted} accepted writes`,
      );
    if (comments !== accepted || commentsMissing > 0 || texts.size !== comments)
      problems.push(`comments: ${texts.size} held, ${comments} accepted, ${commentsMissing} missing`);
    if (annotation?.version !== accepted + comments)
      problems.push(`annotation version ${annotation?.version}, ${accepted + comments} writes accepted`);
    if (sse.annotationBad > 0)
      problems.push(
        `${sse.annotationBad} watchers of ${teams[0].id} did not see every annotation version 1..${accepted + comments}`,
      );
    const heldMb = Math.max(mb(memBefore.heapUsed) * HELD.ratio, mb(memBefore.heapUsed) + HELD.mb);
    if (mb(memAfter.heapUsed) > heldMb)
      problems.push(
        `heap not held: ${mb(memAfter.heapUsed).toFixed(0)} MB after the load (GC'd), ${mb(memBefore.heapUsed).toFixed(0)} MB before`,
      );
    const logged = unexpected();
    if (logged.length > 0)
      problems.push(`the node logged ${logged.length} unexpected errors, e.g. ${logged[0]}`);

    // --- report
    console.log(
      `\n## teams: ${TENANTS} tenants, ${CLIENTS.toLocaleString('en')} clients at once on loopback, one node (${SECONDS} s of load; baseline ${BASE_SECONDS} s: 1 tenant, the same reads and submissions, no watchers)`,
    );
    console.log(
      `simulated: every client is in this process on 127.0.0.1 (2 cores shared with the node's process and with whatever else runs on the machine); generations use the builtin generator only, TypeScript, 1 candidate, no validation (no toolchain runs), on a copy of the tests' mini registry per tenant. The per-token write rate limit (api.rateLimit) is raised so the 429s are the tenants' quotas (concurrentJobs ${CONCURRENT_JOBS}, generationsPerHour ${GENERATIONS_PER_HOUR}; baseline tenant: concurrentJobs only). The node's libuv threadpool: ${THREADPOOL ?? "4 (Node's default)"}.`,
    );
    console.log(
      `clients during the load: ${WATCHERS} SSE watchers (GET /v1/events, ${WATCHERS_PER_TENANT} a tenant) + ${READERS} read connections (autocannon, ${READERS / 3} a route, a tenant per request in turn) + ${SUBMITTERS} submitting connections (POST /v1/generate, ${SUBMIT_RATE}/s, tenants in turn) + ${COLLABORATORS} collaborators = ${WATCHERS + READERS + SUBMITTERS + COLLABORATORS}`,
    );
    console.log(
      `set-up: ${TENANTS} tenants + tokens through the API in ${madeS.toFixed(1)} s; first generation of each (composes its parts, renders) in ${seedS.toFixed(1)} s; ${WATCHERS} watchers ready in ${openS.toFixed(1)} s${notReady.length ? ` (${notReady.length} not)` : ''}; drain after the load ${drainS.toFixed(1)} s`,
    );
    console.log('');
    const baseOf = new Map(baseReads.map((s) => [s.route, s]));
    const rows: (string | number)[][] = [];
    for (const s of reads) {
      const b = baseOf.get(s.route)!;
      rows.push(readRow(`${s.route} (1 tenant, baseline)`, b));
      rows.push(readRow(`${s.route} (${TENANTS} tenants)`, s, b));
    }
    for (const [status, label] of [
      [202, 'accepted'],
      [429, 'refused'],
    ] as const) {
      const b = baseSubmit.times.get(status) ?? [];
      const m = submit.times.get(status) ?? [];
      const bs = baseSubmit.sentTimes.get(status) ?? [];
      const ms = submit.sentTimes.get(status) ?? [];
      rows.push(
        submitRow(`POST /v1/generate ${status} ${label} (baseline)`, b, bs, baseSubmit.sent, BASE_SECONDS),
      );
      rows.push(
        submitRow(
          `POST /v1/generate ${status} ${label} (${TENANTS} tenants)`,
          m,
          ms,
          submit.sent,
          SECONDS,
          b,
          bs,
        ),
      );
    }
    console.log(
      table(
        [
          'route',
          'answers',
          'req/s',
          'statuses',
          'p50',
          'p99',
          'p99 vs baseline',
          'once sent: p50, p99, vs baseline',
        ],
        rows,
      ),
    );
    console.log(
      `submissions: baseline ${statusText(baseSubmit.statuses)} of ${baseSubmit.sent}; load ${statusText(submit.statuses)} of ${submit.sent}; accepted generations' end: ${[...ended].map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}`,
    );
    console.log(
      `the baseline again after the load (the machine's drift; 1 tenant, watchers closed): p99 ${again.reads.map((s) => `${s.route} ${fmtMs(pctOf(s.times, 0.99))}`).join(', ')}, POST /v1/generate ${fmtMs(
        pctOf(
          [...again.submit.times.values()].flat().sort((a, b) => a - b),
          0.99,
        ),
      )}`,
    );
    console.log(
      `submissions alone (no reads, 1 tenant, ${SUBMIT_RATE}/s): ${statusText(alone.statuses)} of ${alone.sent}, p50 ${pct([...alone.times.values()].flat(), 0.5)}, p99 ${pct([...alone.times.values()].flat(), 0.99)}`,
    );
    console.log(
      `bodies: GET ${ROUTES[0]} ${kb(baseReads[0].bytes)} (baseline) vs ${kb(reads[0].bytes)} (load) a response`,
    );
    console.log('');
    console.log(
      table(
        [
          'node process',
          'event loop p50',
          'p99',
          'max',
          'peak RSS',
          'peak heap',
          "clients' event loop p50, p99",
        ],
        [
          eldRow('baseline (1 tenant: reads + submissions)', base.watched),
          eldRow('submissions alone', aloneWatch),
          eldRow(`load (${TENANTS} tenants, ${CLIENTS} clients)`, mainWatch),
          eldRow('baseline again, after the load', again.watched),
        ],
      ),
    );
    if (TRACE)
      console.log(
        `submissions once sent, by connection (load): ${[...submit.byConnection]
          .map(
            ([how, xs]) => `${how} ${xs.length}x p50 ${pct(xs, 0.5)} p99 ${pct(xs, 0.99)} max ${pct(xs, 1)}`,
          )
          .join('; ')}`,
      );
    if (TRACE)
      for (const [name, w] of [
        ['baseline', base.watched],
        ['load', mainWatch],
        ['baseline again', again.watched],
      ] as const)
        console.log(
          `traced calls, ms from call to answer (${name}): ${Object.entries(w.db ?? {})
            .map(([op, d]) => `${op} ${d.n}x p50 ${fmtMs(d.p50)} p99 ${fmtMs(d.p99)} max ${fmtMs(d.max)}`)
            .join('; ')}`,
        );
    console.log('');
    console.log(
      table(
        ['memory of the node (after a GC)', 'RSS', 'heap used'],
        [
          ['start (1 tenant)', `${mb(memStart.rss).toFixed(0)} MB`, `${mb(memStart.heapUsed).toFixed(1)} MB`],
          [
            `${TENANTS} tenants made, none composed`,
            `${mb(memMade.rss).toFixed(0)} MB`,
            `${mb(memMade.heapUsed).toFixed(1)} MB`,
          ],
          [
            `before the load (${TENANTS} composed)`,
            `${mb(memBefore.rss).toFixed(0)} MB`,
            `${mb(memBefore.heapUsed).toFixed(1)} MB`,
          ],
          [
            "peak during the load (not GC'd)",
            `${mb(mainWatch.peak.rss).toFixed(0)} MB`,
            `${mb(mainWatch.peak.heapUsed).toFixed(1)} MB`,
          ],
          [
            'after, watchers closed',
            `${mb(memAfter.rss).toFixed(0)} MB`,
            `${mb(memAfter.heapUsed).toFixed(1)} MB (held if <= ${heldMb.toFixed(0)})`,
          ],
        ],
      ),
    );
    console.log(
      `per composed tenant: ${((mb(memBefore.heapUsed) - mb(memMade.heapUsed)) / TENANTS).toFixed(2)} MB heap, ${((mb(memBefore.rss) - mb(memMade.rss)) / TENANTS).toFixed(2)} MB RSS`,
    );
    console.log(
      `watchers: ${stillOpen} of ${WATCHERS} connected to the end; ${sse.events} events received (${[...sse.counts].map(([k, n]) => `${n} ${k}`).join(', ')}); results of their tenant's generations: ${sse.expected - sse.missing} of ${sse.expected}; seq gaps ${sse.gaps}; lagged/reload ${sse.dropped}; events of another tenant ${sse.foreign}${sse.unknown ? `, of generations this bench did not submit ${sse.unknown}` : ''}`,
    );
    console.log(
      `collaborators: ${COLLABORATORS} x ${EDITS} increments of one field of ${teams[0].id}'s generation, a comment after each: ${accepted} accepted, ${conflicts} 409s retried; counter ${counter.value} at version ${counter.version}; ${texts.size} of ${comments} comments held (annotation version ${annotation?.version}); write p50 ${pct(
        collaborators.flatMap((c: Collaborator) => c.latencies),
        0.5,
      )}, p99 ${pct(
        collaborators.flatMap((c: Collaborator) => c.latencies),
        0.99,
      )}; every watcher of ${teams[0].id} saw versions 1..${accepted + comments}: ${sse.annotationBad === 0 ? 'yes' : `no (${sse.annotationBad})`}`,
    );
    console.log(`time: ${((performance.now() - began) / 1000).toFixed(1)} s`);
    if (problems.length === 0)
      console.log(
        'result: PASS (no answer but 2xx and 429; no event lost or crossed; no lost write; heap held)',
      );
    else {
      console.log('result: FAIL');
      for (const p of problems) console.log(`- ${p}`);
      process.exitCode = 1;
    }
  } finally {
    for (const w of watchers) w.close();
    agent.destroy();
    sseAgent.destroy();
    await stopChild(child);
    await rm(home, { recursive: true, force: true });
  }
}

const notOk = (status: number) => status < 200 || status >= 300;
const mb = (bytes: number) => bytes / 1024 / 1024;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** p50, p99, max and mean of an event-loop delay histogram, in ms beyond its sampling interval */
function eldOf(h: ReturnType<typeof monitorEventLoopDelay> | undefined): Watched['eld'] {
  // the histogram holds the time between samples: the delay is what exceeds the interval
  const ms = (ns: number) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
  return {
    p50: ms(h?.percentile(50) ?? 0),
    p99: ms(h?.percentile(99) ?? 0),
    max: ms(h?.max ?? 0),
    mean: ms(h?.mean ?? 0),
  };
}

function pctOf(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function pct(xs: number[], q: number): string {
  return fmtMs(
    pctOf(
      [...xs].sort((a, b) => a - b),
      q,
    ),
  );
}

const fmtMs = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);

function statusText(statuses: Map<number | string, number>): string {
  return [...statuses]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

function readRow(name: string, s: RouteSample, base?: RouteSample): (string | number)[] {
  const p99 = pctOf(s.times, 0.99);
  return [
    name,
    s.times.length + s.errors,
    Math.round(s.times.length / s.seconds),
    statusText(s.statuses) + (s.errors ? `, ${s.errors} errors` : ''),
    fmtMs(pctOf(s.times, 0.5)),
    fmtMs(p99),
    base ? `${(p99 / pctOf(base.times, 0.99)).toFixed(2)}x` : '',
    '',
  ];
}

function submitRow(
  name: string,
  times: number[],
  sentTimes: number[],
  sent: number,
  seconds: number,
  base?: number[],
  baseSent?: number[],
): (string | number)[] {
  const sorted = [...times].sort((a, b) => a - b);
  const p99 = pctOf(sorted, 0.99);
  const b99 = base
    ? pctOf(
        [...base].sort((a, b) => a - b),
        0.99,
      )
    : Number.NaN;
  const once = [...sentTimes].sort((a, b) => a - b);
  const o99 = pctOf(once, 0.99);
  const ob99 = baseSent
    ? pctOf(
        [...baseSent].sort((a, b) => a - b),
        0.99,
      )
    : Number.NaN;
  const ratio = (a: number, b: number) => (Number.isNaN(a / b) ? '-' : `${(a / b).toFixed(2)}x`);
  return [
    name,
    times.length,
    Math.round(times.length / seconds),
    `of ${sent} sent`,
    fmtMs(pctOf(sorted, 0.5)),
    fmtMs(p99),
    base ? ratio(p99, b99) : '',
    once.length ? `${fmtMs(pctOf(once, 0.5))}, ${fmtMs(o99)}${baseSent ? `, ${ratio(o99, ob99)}` : ''}` : '',
  ];
}

function eldRow(name: string, w: Watched): string[] {
  return [
    name,
    fmtMs(w.eld.p50),
    fmtMs(w.eld.p99),
    fmtMs(w.eld.max),
    `${mb(w.peak.rss).toFixed(0)} MB`,
    `${mb(w.peak.heapUsed).toFixed(0)} MB`,
    w.clients ? `${fmtMs(w.clients.p50)}, ${fmtMs(w.clients.p99)}` : '',
  ];
}

/** What the watchers saw, against what was submitted and who owns each generation. */
function sseCheck(
  watchers: Watcher[],
  submit: Submissions,
  owner: Map<string, string>,
  annotatedTenant: string,
) {
  let missing = 0;
  let expected = 0;
  let foreign = 0;
  let unknown = 0;
  let gaps = 0;
  let dropped = 0;
  let events = 0;
  let annotationBad = 0;
  const counts = new Map<string, number>();
  const annotationVersions = new Set<number>();
  for (const w of watchers)
    if (w.tenant === annotatedTenant) for (const v of w.annotationVersions) annotationVersions.add(v);
  const top = Math.max(0, ...annotationVersions);
  for (const w of watchers) {
    const ids = submit.accepted.get(w.tenant) ?? [];
    expected += ids.length;
    for (const id of ids) if (!w.results.has(id)) missing++;
    for (const id of w.ids) {
      const o = owner.get(id);
      if (o === undefined) unknown++;
      else if (o !== w.tenant) foreign++;
    }
    gaps += w.gaps;
    dropped += w.dropped;
    for (const [k, n] of w.counts) {
      counts.set(k, (counts.get(k) ?? 0) + n);
      events += n;
    }
    if (w.tenant === annotatedTenant) {
      const seen = new Set(w.annotationVersions);
      let all = seen.size === w.annotationVersions.length;
      for (let v = 1; v <= top; v++) if (!seen.has(v)) all = false;
      if (!all) annotationBad++;
    }
  }
  return { missing, expected, foreign, unknown, gaps, dropped, events, counts, annotationBad };
}

/** A tenant through the API with the operator's token, a developer token of its own and its registry. */
async function makeTeam(
  agent: http.Agent,
  url: string,
  operator: string,
  home: string,
  id: string,
  quotas: Record<string, number>,
): Promise<Team> {
  const made = await call(agent, `${url}/v1/tenants`, 'POST', operator, { id, quotas });
  if (made.status !== 201)
    throw new Error(`POST /v1/tenants ${id}: ${made.status} ${JSON.stringify(made.body)}`);
  const token = await call(agent, `${url}/v1/tenants/${id}/tokens`, 'POST', operator, {
    name: 'dev',
    role: 'developer',
  });
  if (token.status !== 201) throw new Error(`token of ${id}: ${token.status} ${JSON.stringify(token.body)}`);
  const registry = join(home, 'tenants', id, 'registries', 'mini');
  await cp(MINI, registry, { recursive: true });
  return { id, token: token.body.secret, registry, seeds: [] };
}

const generateBody = (team: Team) => ({
  registry: team.registry,
  languages: ['typescript'],
  models: ['builtin'],
  candidates: 1,
  validate: false,
});

/** One generation of a tenant, awaited (polled) until it ended; its id. */
async function generateAndWait(agent: http.Agent, url: string, team: Team): Promise<string> {
  const r = await call(agent, `${url}/v1/generate`, 'POST', team.token, generateBody(team));
  if (r.status !== 202)
    throw new Error(`seed generation of ${team.id}: ${r.status} ${JSON.stringify(r.body)}`);
  const id = r.body.id as string;
  const end = Date.now() + 120_000;
  for (;;) {
    const g = await call(agent, `${url}/v1/generations/${id}`, 'GET', team.token);
    if (g.status === 200 && !['queued', 'running'].includes(g.body.status)) {
      if (g.body.status !== 'succeeded')
        throw new Error(`seed generation ${id} of ${team.id}: ${g.body.status} ${g.body.error ?? ''}`);
      return id;
    }
    if (Date.now() > end) throw new Error(`seed generation ${id} of ${team.id} did not end in 120 s`);
    await sleep(100);
  }
}

/** Until no job of these tenants is queued or running (bounded). */
async function waitIdle(agent: http.Agent, url: string, teams: Team[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (const team of teams)
    while (Date.now() < end) {
      const u = await call(agent, `${url}/v1/usage`, 'GET', team.token);
      if (u.status === 200 && u.body.jobsInFlight === 0) break;
      await sleep(200);
    }
}

/** The read load: one autocannon per route, READERS connections in all, a tenant per request in turn. */
async function readLoad(url: string, teams: Team[], seconds: number): Promise<RouteSample[]> {
  const per = Math.max(1, Math.floor(READERS / ROUTES.length));
  return Promise.all(
    ROUTES.map(async (route, r) => {
      let turn = r * 7;
      const s: RouteSample = { route, times: [], statuses: new Map(), errors: 0, bytes: 0, seconds };
      let bytes = 0;
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url,
            connections: per,
            duration: seconds,
            timeout: 10,
            requests: [
              {
                method: 'GET',
                setupRequest: (req) => {
                  const team = teams[turn++ % teams.length];
                  const path =
                    route === '/v1/generations/:id'
                      ? `/v1/generations/${team.seeds[turn % team.seeds.length]}`
                      : route;
                  return { ...req, path, headers: { ...req.headers, authorization: `Bearer ${team.token}` } };
                },
              },
            ],
          },
          (err, res) => (err ? reject(err) : resolve(res)),
        );
        instance.on('response', (_client, status, resBytes, responseTime) => {
          s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
          if (!notOk(status)) s.times.push(responseTime);
          bytes += resBytes;
        });
      });
      s.errors = result.errors + result.timeouts;
      s.times.sort((a, b) => a - b);
      const answered = [...s.statuses.values()].reduce((a, b) => a + b, 0);
      s.bytes = answered ? bytes / answered : 0;
      s.seconds = result.duration || seconds;
      return s;
    }),
  );
}

/** Job submissions at SUBMIT_RATE a second over SUBMITTERS connections, tenants in turn. */
async function submitLoad(url: string, teams: Team[], seconds: number): Promise<Submissions> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: SUBMITTERS });
  const out: Submissions = {
    times: new Map(),
    sentTimes: new Map(),
    byConnection: new Map(),
    statuses: new Map(),
    accepted: new Map(),
    other: [],
    sent: 0,
  };
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const every = 1000 / SUBMIT_RATE;
  let turn = 0;
  try {
    for (let n = 0; ; n++) {
      const at = started + n * every;
      if (at - started >= seconds * 1000) break;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      const team = teams[turn++ % teams.length];
      out.sent++;
      pending.push(
        call(agent, `${url}/v1/generate`, 'POST', team.token, generateBody(team)).then((r) => {
          const list = out.times.get(r.status) ?? [];
          list.push(r.ms);
          out.times.set(r.status, list);
          const sent = out.sentTimes.get(r.status) ?? [];
          sent.push(r.ms - r.waitMs);
          out.sentTimes.set(r.status, sent);
          const how = r.reused ? 'kept' : 'new';
          out.byConnection.set(how, [...(out.byConnection.get(how) ?? []), r.ms - r.waitMs]);
          const key =
            r.status === 429
              ? `429 ${r.body?.error?.details?.quota ?? r.body?.error?.code ?? ''}`.trim()
              : String(r.status);
          out.statuses.set(key, (out.statuses.get(key) ?? 0) + 1);
          if (r.status === 202) {
            const ids = out.accepted.get(team.id) ?? [];
            ids.push(r.body.id);
            out.accepted.set(team.id, ids);
          } else if (r.status !== 429 || !r.headers['retry-after']) out.other.push(r);
        }),
      );
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  return out;
}

/** `fn(0..n-1)`, at most `limit` at once, results in order. */
async function pool<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface NodeChild {
  child: ChildProcess;
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: the child's answers, read field by field
  ask(op: string, extra?: Record<string, unknown>): Promise<any>;
  /** lines the node logged as unexpected errors (its 500s) */
  unexpected(): string[];
}

async function spawnNode(home: string): Promise<NodeChild> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--expose-gc'],
    env: {
      ...process.env,
      WEAVERGEN_BENCH_TEAMS_ROLE: 'node',
      WEAVERGEN_BENCH_TEAMS_HOME: home,
      ...(THREADPOOL ? { UV_THREADPOOL_SIZE: THREADPOOL } : {}),
    },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  const unexpected: string[] = [];
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    process.stderr.write(d);
    tail += d;
    const lines = tail.split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) if (/unexpected error|internal error/i.test(l)) unexpected.push(l.slice(0, 300));
  });
  let nextId = 0;
  const pending = new Map<number, (m: unknown) => void>();
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: { id?: number; url?: string }) => {
      if (m.url) resolve(m.url);
      else if (m.id !== undefined) {
        pending.get(m.id)?.(m);
        pending.delete(m.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`the node exited (${code}) before listening`)));
  });
  return {
    child,
    url,
    ask: (op, extra = {}) =>
      new Promise((resolve) => {
        const id = ++nextId;
        pending.set(id, resolve);
        child.send({ id, op, ...extra });
      }),
    unexpected: () => unexpected,
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ op: 'stop' });
  });
}

/**
 * WEAVERGEN_BENCH_TEAMS_TRACE=1: the node's LevelDB calls (classic-level's get, put, batch,
 * approximateSize) timed from call to answer, to tell waiting on the database from waiting on the
 * event loop; printed per phase. A diagnosis, off by default (it patches the driver's prototype).
 */
async function traceDb(): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  const { ClassicLevel } = (await import('classic-level')) as unknown as {
    ClassicLevel: { prototype: Record<string, (...a: unknown[]) => Promise<unknown>> };
  };
  for (const op of ['_get', '_put', '_batch', 'approximateSize']) {
    const original = ClassicLevel.prototype[op];
    ClassicLevel.prototype[op] = async function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        const list = times.get(op) ?? [];
        list.push(performance.now() - t);
        times.set(op, list);
      }
    };
  }
  return times;
}

/**
 * With the trace: each HTTP request's time in the node, from its headers parsed to its response
 * handed to the socket, by route (the ids and query left out).
 */
function traceRequests(times: Map<string, number[]>): void {
  const emit = http.Server.prototype.emit;
  const accepted = new WeakMap<object, number>();
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === 'connection') accepted.set(args[0] as object, performance.now());
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      // a new connection's first request: how long after it was accepted its headers were read
      const at = accepted.get(req.socket);
      if (at !== undefined) {
        accepted.delete(req.socket);
        const list = times.get('accepted to first request') ?? [];
        list.push(performance.now() - at);
        times.set('accepted to first request', list);
      }
      if (req.url?.startsWith('/v1/') && !req.url.startsWith('/v1/events')) {
        const t = performance.now();
        const route = `${req.method} ${(req.url ?? '')
          .split('?')[0]
          .replace(/^\/v1\/generations\/[^/]+/, '/v1/generations/:id')
          .replace(/^\/v1\/tenants\/[^/]+/, '/v1/tenants/:id')}`;
        res.once('finish', () => {
          const list = times.get(route) ?? [];
          list.push(performance.now() - t);
          times.set(route, list);
        });
      }
    }
    return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...args]);
  } as typeof emit;
}

/**
 * With the LevelDB trace: each tenant's `generate` (quota check, registry path check, request
 * check, the record stored: what POST /v1/generate awaits after reading its body) and the quota
 * check alone (tenancy.refusal), timed the same way, beside the route's own answer time.
 */
function traceAdmission(node: WeaverNode, times: Map<string, number[]>): void {
  const timed =
    <A extends unknown[], R>(name: string, fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t = performance.now();
      try {
        return await fn(...a);
      } finally {
        const list = times.get(name) ?? [];
        list.push(performance.now() - t);
        times.set(name, list);
      }
    };
  const tenancy = node.tenancy as unknown as { refusal: (...a: unknown[]) => Promise<unknown> };
  tenancy.refusal = timed('tenancy.refusal', tenancy.refusal.bind(tenancy));
  const patched = new WeakSet<object>();
  const forTenant = node.forTenant.bind(node);
  node.forTenant = async (id) => {
    const t = await forTenant(id);
    if (!patched.has(t)) {
      patched.add(t);
      t.generate = timed('tenant.generate', t.generate.bind(t));
    }
    return t;
  };
}

/** The child: the node as `weavergen node start` serves it, its memory and event-loop delay on request. */
async function serveNode(): Promise<void> {
  const home = process.env.WEAVERGEN_BENCH_TEAMS_HOME ?? '';
  const config = await loadConfig(
    {
      home,
      // raised: the quotas, not the per-token rate of writes, are what refuses here
      api: { host: '127.0.0.1', port: 0, rateLimit: { perMinute: 100_000, burst: 10_000 } },
      network: { enabled: false },
    },
    {},
  );
  const dbTimes = TRACE ? await traceDb() : undefined;
  if (dbTimes) traceRequests(dbTimes);
  const node = await createNode(config, { globalTelemetry: true, command: 'bench teams' });
  if (dbTimes) traceAdmission(node, dbTimes);
  const server = await startApiServer(node, { host: '127.0.0.1', port: 0 });
  const mem = (): Mem => {
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  let eld: ReturnType<typeof monitorEventLoopDelay> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let peak = mem();
  process.on('message', async (m: { id?: number; op: string; gc?: boolean }) => {
    const reply = (body: Record<string, unknown>) => process.send?.({ id: m.id, ...body });
    if (m.op === 'mem') {
      if (m.gc && gc) {
        gc();
        await sleep(100);
        gc();
      }
      reply({ mem: mem() });
    } else if (m.op === 'watch-start') {
      dbTimes?.clear();
      eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
      eld.enable();
      peak = mem();
      sampler = setInterval(() => {
        const now = mem();
        peak = { ...peak, rss: Math.max(peak.rss, now.rss), heapUsed: Math.max(peak.heapUsed, now.heapUsed) };
      }, 200);
      reply({});
    } else if (m.op === 'watch-stop') {
      eld?.disable();
      clearInterval(sampler);
      reply({
        eld: eldOf(eld),
        peak,
        ...(dbTimes
          ? {
              db: Object.fromEntries(
                [...dbTimes].map(([op, xs]) => {
                  const sorted = [...xs].sort((a, b) => a - b);
                  return [
                    op,
                    {
                      n: xs.length,
                      p50: pctOf(sorted, 0.5),
                      p99: pctOf(sorted, 0.99),
                      max: sorted.at(-1) ?? 0,
                    },
                  ];
                }),
              ),
            }
          : {}),
      });
    } else if (m.op === 'stop') {
      await server.close();
      await node.stop();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: server.url });
}

if (ROLE === 'node') await serveNode();
