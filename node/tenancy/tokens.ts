import { createHash, randomBytes } from 'node:crypto';

/** A token's secret: `wg_` + 32 random bytes. High-entropy, so a plain SHA-256 is as good as a slow hash. */
export const mintSecret = (): string => `wg_${randomBytes(32).toString('base64url')}`;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** The short id a token is listed and revoked by. */
export const tokenIdOf = (hash: string): string => hash.slice(0, 12);
