import { basename } from 'node:path';
import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';
import { idParam } from '../validate.js';
import { findGeneration } from './generations.js';

const filesPath = (id: string) => `/v1/generations/${encodeURIComponent(id)}/files`;

/**
 * GET /v1/generations/:id/files lists the files a generation wrote (`<language>/<path>`, bytes, a
 * URL each); GET /v1/generations/:id/files/<language>/<path> returns one, as text. Only paths the
 * record lists are served, read from the output folder as regular files (node/jobs/files.ts), so
 * an API client or a node in a container can deliver results without sharing a disk.
 */
export function fileRoutes(app: Hono, { tenant, auth }: RouteContext): void {
  app.get('/v1/generations/:id/files', auth.read, async (c) => {
    const node = await tenant(c);
    const record = await findGeneration(node, idParam(c, 'id'));
    const base = filesPath(record.id);
    return c.json({
      generationId: record.id,
      out: record.out,
      files: node
        .files(record)
        .map((f) => ({ ...f, url: `${base}/${f.path.split('/').map(encodeURIComponent).join('/')}` })),
    });
  });

  app.get('/v1/generations/:id/files/*', auth.read, async (c) => {
    const node = await tenant(c);
    const record = await findGeneration(node, idParam(c, 'id'));
    const rest = c.req.path.slice(filesPath(record.id).length + 1);
    const path = rest
      .split('/')
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      })
      .join('/');
    const bytes = await node.file(record, path);
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `inline; filename="${basename(path).replace(/[^\w.-]/g, '_')}"`,
    });
  });
}
