import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, NodeErrorCode } from './node-errors.js';

/**
 * The node's home folder: LevelDB, the API token, the config file, generated example output.
 * The token is created once, mode 0600 (like Jupyter's), and read back on every start.
 */
export async function ensureHome(home: string): Promise<{ fresh: boolean }> {
  await mkdir(home, { recursive: true });
  const marker = join(home, 'db');
  const fresh = await readFile(join(marker, 'CURRENT')).then(
    () => false,
    () => true,
  );
  return { fresh };
}

export const TOKEN_FILE = 'token';

export async function ensureToken(home: string): Promise<string> {
  const path = join(home, TOKEN_FILE);
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const token = randomBytes(24).toString('base64url');
  // two processes creating the home at once: the first token written is the one both use
  const created = await writeFile(path, `${token}\n`, {
    mode: 0o600,
    flag: existing === undefined ? 'wx' : 'w',
  }).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
      return false;
    },
  );
  if (!created) return ensureToken(home);
  await chmod(path, 0o600);
  return token;
}

/** The CLI's view: $WEAVERGEN_TOKEN, else the token file of the home. */
export async function readToken(
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (env.WEAVERGEN_TOKEN) return env.WEAVERGEN_TOKEN;
  return (await readFile(join(home, TOKEN_FILE), 'utf8').catch(() => undefined))?.trim() || undefined;
}

/** The command of a long-running node in its announcement (CLI commands wait for one that is starting). */
export const NODE_START = 'weavergen node start';

/** Where the process holding a home announces itself: `<home>/node.json`, removed when it stops. */
export const NODE_FILE = 'node.json';

export interface NodeAnnouncement {
  pid: number;
  startedAt: number;
  /** what holds the home: `weavergen node start`, `weavergen generate`, ... */
  command?: string;
  /** the API's base URL, when the node serves one */
  url?: string;
  /** libp2p peer id and listen addresses, for scripts that bootstrap other nodes from this one */
  peerId?: string;
  addresses?: string[];
}

export async function announce(home: string, a: NodeAnnouncement): Promise<void> {
  await writeFile(join(home, NODE_FILE), `${JSON.stringify(a)}\n`);
}

export async function unannounce(home: string): Promise<void> {
  await rm(join(home, NODE_FILE), { force: true });
}

/** The announcement of the process holding the home, if it is still alive. */
export async function readAnnouncement(home: string): Promise<NodeAnnouncement | undefined> {
  const text = await readFile(join(home, NODE_FILE), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const a = JSON.parse(text) as NodeAnnouncement;
    if (!Number.isInteger(a?.pid)) return undefined;
    process.kill(a.pid, 0);
    return a;
  } catch (e) {
    // EPERM: alive, someone else's; anything else: stale or unreadable
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? (JSON.parse(text) as NodeAnnouncement) : undefined;
  }
}

/** A node's `/v1/health`, or undefined when it does not answer ok within `ms`. */
export async function probeHealth(
  url: string,
  ms = 2000,
): Promise<{ status: string; home: string } | undefined> {
  try {
    const r = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(ms) });
    return r.ok ? ((await r.json()) as { status: string; home: string }) : undefined;
  } catch {
    return undefined;
  }
}

/** The error for a home whose database another process holds: who holds it, and what to do. */
export async function homeLocked(home: string): Promise<NodeError> {
  const a = await readAnnouncement(home);
  const who = a
    ? `process ${a.pid}${a.command ? ` (${a.command}, since ${new Date(a.startedAt).toISOString()})` : ''}`
    : 'another process';
  const answers = !!a?.url && !!(await probeHealth(a.url, 1000));
  const what = !a?.url
    ? `wait for it to finish${a ? ` or stop it (kill ${a.pid})` : ''}`
    : answers
      ? `a node already serves this home at ${a.url} (commands with this home go through it); stop it first (kill ${a.pid}) to start another`
      : `its API at ${a.url} does not answer; stop it (kill ${a.pid}) or wait for it`;
  return new NodeError(
    { code: NodeErrorCode.HOME_LOCKED, home, pid: a?.pid },
    `the home ${home} is in use by ${who}: ${what}, or use another home (--home DIR or WEAVERGEN_HOME)`,
  );
}

/** LevelDB's answer when another process holds the database lock. */
export const isLockError = (e: unknown): boolean => {
  for (
    let c = e as { code?: string; cause?: unknown } | undefined, i = 0;
    c && i < 5;
    c = c.cause as typeof c, i++
  )
    if (
      c.code === 'LEVEL_LOCKED' ||
      /\block\b.*(held|temporarily unavailable)/i.test(String((c as Error).message))
    )
      return true;
  return false;
};
