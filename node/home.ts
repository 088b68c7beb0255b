import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
  await writeFile(path, `${token}\n`, { mode: 0o600 });
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
