import { spawn } from 'node:child_process';

/**
 * The poller (argv: the API's url, the token): GET /v1/health every 100 ms, each request on its
 * own; says `ready` after the first answer; when its stdin ends, waits for the requests in flight
 * and prints {worstMs, polls, failures}.
 */
const POLLER = `
const [url, token] = process.argv.slice(-2);
let worstMs = 0, polls = 0, stopping = false, readySaid = false;
const failures = [], inFlight = new Set();
const poll = () => {
  const started = performance.now();
  const p = fetch(url + '/v1/health', { headers: { authorization: 'Bearer ' + token }, signal: AbortSignal.timeout(60000) })
    .then(async (res) => {
      const body = await res.json();
      const ms = performance.now() - started;
      if (res.status !== 200 || body.status !== 'ok') failures.push(res.status + ' ' + JSON.stringify(body));
      worstMs = Math.max(worstMs, ms);
      polls++;
      if (!readySaid) { readySaid = true; process.stdout.write('ready\\n'); }
    })
    .catch((e) => failures.push(String(e) + (e.cause ? ': ' + String(e.cause) : '')))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
};
const timer = setInterval(() => { if (!stopping) poll(); }, 100);
poll();
process.stdin.resume();
process.stdin.on('end', async () => {
  stopping = true;
  clearInterval(timer);
  await Promise.all([...inFlight]);
  process.stdout.write(JSON.stringify({ worstMs, polls, failures }) + '\\n');
});
`;

export interface HealthPolled {
  /** the slowest answer, from the moment its request was due to its answer */
  worstMs: number;
  polls: number;
  /** a request that failed or an answer that was not a 200 from a node that is `ok` */
  failures: string[];
}

export interface HealthPoller {
  /** ends the polling once the requests in flight have answered */
  stop(): Promise<HealthPolled>;
}

/**
 * Polls GET /v1/health every 100 ms from another process: a request starts on time whether or not
 * the one before has answered, and its latency runs from then to its answer. (A poller in the
 * node's process would share its event loop: a blocked loop would delay its timers, not its
 * requests, and hide the block.) Resolves once the first answer came.
 */
export async function startHealthPoller(url: string, token: string): Promise<HealthPoller> {
  const poller = spawn(process.execPath, ['--input-type=module', '-e', POLLER, url, token], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  poller.stdout.setEncoding('utf8');
  const ended = new Promise<void>((resolve) => poller.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    poller.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
    });
    poller.once('exit', () => reject(new Error(`the poller ended: ${out}`)));
  }).catch((e) => {
    poller.kill();
    throw e;
  });
  return {
    async stop() {
      try {
        poller.stdin.end();
        await ended;
        return JSON.parse(out.slice(out.indexOf('ready\n') + 6)) as HealthPolled;
      } finally {
        poller.kill();
      }
    },
  };
}

/** `work` while the health poller runs: its value and what the poller saw. */
export async function whilePolling<T>(
  url: string,
  token: string,
  work: () => Promise<T>,
): Promise<HealthPolled & { value: T }> {
  const poller = await startHealthPoller(url, token);
  let value: T;
  try {
    value = await work();
  } catch (e) {
    await poller.stop().catch(() => {});
    throw e;
  }
  return { value, ...(await poller.stop()) };
}
