/** The admin REST API (issue 11 section 6): the router factory and what it is built from. */
export { adminApi, type AdminApiDeps } from './router';
export { openApiDocument, ROUTES } from './routes';
export { refusal, type ErrorBody } from './errors';
export { runProgress, withProgress, FINAL_RUN_STATES, type RunProgress } from './progress';
