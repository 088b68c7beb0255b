import type { Hono } from 'hono';
import { SemconvError } from '../../semconv/index.js';
import type { RouteContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { RegistryCheckBodySchema } from '../schemas.js';
import { readJson, requireFolder } from '../validate.js';

/** POST /v1/registry/check {path}: loads and checks a registry folder on this machine, returns the diagnostics. */
export function registryCheckRoutes(app: Hono, { tenant, auth }: RouteContext): void {
  app.post('/v1/registry/check', auth.write, async (c) => {
    const node = await tenant(c);
    const { path } = await readJson(c, RegistryCheckBodySchema);
    // confined first, so a folder outside the tenant's own is refused the same way whether it exists or not
    await node.confineRegistry(path);
    await requireFolder(path, 'path');
    try {
      const r = await node.checkRegistry(path);
      return c.json({
        path,
        ok: r.errors === 0,
        errors: r.errors,
        warnings: r.warnings,
        files: r.registry.files.length,
        attributes: r.registry.attributes.length,
        groups: r.registry.groups.length,
        contentHash: r.contentHash,
        diagnostics: r.diagnostics,
      });
    } catch (e) {
      if (e instanceof SemconvError)
        throw new ApiError(ApiErrorCode.REGISTRY_UNREADABLE, e.message, { semconvCode: e.code });
      throw e;
    }
  });
}
