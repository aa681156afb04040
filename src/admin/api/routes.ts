/**
 * Every route of the admin API, in one list: the router serves it, the OpenAPI
 * document describes it (including the document's own route).
 */
import { packageVersion } from '../../sys/runtime';
import { HISTORY_ROUTES } from './history-routes';
import { IMAGE_ROUTES } from './images-routes';
import { buildOpenApi } from './openapi';
import { PLAN_ROUTES } from './plans-routes';
import type { ApiRoute } from './route';
import { json } from './route';
import { RUN_ROUTES } from './runs-routes';
import { RV_BACKUP_ROUTES } from './rv-backup-routes';

const OPENAPI_ROUTE: ApiRoute = {
  method: 'get', path: '/openapi.json', operationId: 'openapi', tag: 'meta', summary: 'This document (OpenAPI 3.1)',
  description: 'Needs the provider account like every route.',
  ok: { status: 200, description: 'The OpenAPI document.', contentType: 'application/json' }, errors: [],
  handle: () => json(200, openApiDocument()),
};

export const ROUTES: readonly ApiRoute[] = [...PLAN_ROUTES, ...RUN_ROUTES, ...IMAGE_ROUTES, ...HISTORY_ROUTES, ...RV_BACKUP_ROUTES, OPENAPI_ROUTE];

/** The document (built on each request: it is small, and depends on nothing but the code). */
export function openApiDocument(): Record<string, unknown> {
  return buildOpenApi(ROUTES, packageVersion());
}
