/**
 * /runs and /backups: the runs (scheduled and immediate) with their progress, cancel,
 * and the immediate backup of one VM. Translation only; the rules are the service's.
 */
import type { ApiRoute } from './route';
import { json, NUMERIC_ID } from './route';
import { withProgress } from './progress';
import type { ParamSpecs } from './validation';

const RUN_QUERY: ParamSpecs = {
  planId: { description: 'Only the runs of this plan.', schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
  active: { description: 'true: only runs not finished yet; false: only finished ones.', schema: { type: 'boolean' } },
};

export const RUN_ROUTES: ApiRoute[] = [
  {
    method: 'get', path: '/runs', operationId: 'listRuns', tag: 'runs', summary: 'List runs',
    query: RUN_QUERY, ok: { status: 200, description: 'The runs, with progress.', schema: 'Run', list: true }, errors: [404],
    handle: (c) => {
      const { planId, active } = c.query as { planId?: number; active?: boolean };
      return json(200, c.api.listRuns({ ...(planId === undefined ? {} : { planId }), ...(active === undefined ? {} : { active }) }).map(withProgress));
    },
  },
  {
    method: 'get', path: '/runs/{id}', operationId: 'getRun', tag: 'runs', summary: 'Show a run and its progress',
    params: NUMERIC_ID, ok: { status: 200, description: 'The run: each VM\'s state, order, snapshot-held time and chunks done.', schema: 'Run' }, errors: [404],
    fields: { runId: 'id' },
    handle: (c) => json(200, withProgress(c.api.getRun(c.params.id as number))),
  },
  {
    method: 'post', path: '/runs/{id}/cancel', operationId: 'cancelRun', tag: 'runs', summary: 'Cancel a run',
    description: 'A cancelled run cannot be resumed and leaves no partial image marked usable.',
    params: NUMERIC_ID, ok: { status: 200, description: 'The run.', schema: 'Run' }, errors: [404, 409],
    fields: { runId: 'id' },
    handle: (c) => json(200, withProgress(c.api.cancelRun(c.params.id as number))),
  },
  {
    method: 'post', path: '/backups', operationId: 'backupNow', tag: 'runs', summary: 'Back up a VM now',
    description: 'At most 5 backups per VM in any 24 hours, scheduled ones counted: the sixth is refused with 429 and Retry-After (the time the next is allowed, also in details).',
    body: 'BackupRequest', ok: { status: 202, description: 'The run, started; follow it at Location.', schema: 'Run', location: true }, errors: [404, 409, 422, 429],
    fields: { vmName: 'vm' },
    handle: (c) => {
      const run = c.api.backupNow((c.body as { vm: string }).vm);
      return json(202, withProgress(run), { Location: `${c.base}/runs/${run.id}` });
    },
  },
];
