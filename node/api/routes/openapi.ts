import type { Hono } from 'hono';
import { type OpenApiInit, openApiDocument } from '../openapi.js';

/** GET /openapi.json: the OpenAPI 3.1 document of this app. */
export function openApiRoutes(app: Hono, init: OpenApiInit): void {
  const doc = openApiDocument(init);
  app.get('/openapi.json', (c) => c.json(doc));
}
