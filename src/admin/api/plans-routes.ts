/**
 * /plans: the backup plans (schedule management): list, create, show, change, delete,
 * enable, disable, and create from a plan used before ("job history"). Each handler
 * only translates; the rules and their messages are the service's.
 */
import type { Plan, PlanInput } from '../../scheduler/contract';
import { type ApiRoute, json, noContent, NUMERIC_ID } from './route';

const id = (p: Record<string, unknown>) => p.id as number;
const created = (base: string, plan: Plan) => json(201, plan, { Location: `${base}/plans/${plan.id}` });

export const PLAN_ROUTES: ApiRoute[] = [
  {
    method: 'get', path: '/plans', operationId: 'listPlans', tag: 'plans', summary: 'List the plans',
    ok: { status: 200, description: 'Every plan.', schema: 'Plan', list: true }, errors: [],
    handle: (c) => json(200, c.api.listPlans()),
  },
  {
    method: 'post', path: '/plans', operationId: 'createPlan', tag: 'plans', summary: 'Create a plan',
    description: 'A start in the last 5 minutes of a slot is refused with an alert message; a full slot is refused (409) with the nearest free slot that day and the nearest date with this slot free in details.',
    body: 'PlanInput', ok: { status: 201, description: 'The plan.', schema: 'Plan', location: true }, errors: [409],
    handle: (c) => created(c.base, c.api.createPlan(c.body as PlanInput)),
  },
  {
    method: 'get', path: '/plans/{id}', operationId: 'getPlan', tag: 'plans', summary: 'Show a plan',
    params: NUMERIC_ID, ok: { status: 200, description: 'The plan, with its next run.', schema: 'Plan' }, errors: [404],
    handle: (c) => json(200, c.api.getPlan(id(c.params))),
  },
  {
    method: 'patch', path: '/plans/{id}', operationId: 'updatePlan', tag: 'plans', summary: 'Change a plan',
    description: 'Only the fields given change; a schedule is given whole.',
    params: NUMERIC_ID, body: 'PlanChanges', ok: { status: 200, description: 'The changed plan.', schema: 'Plan' }, errors: [404, 409],
    handle: (c) => json(200, c.api.updatePlan(id(c.params), c.body as Partial<PlanInput>)),
  },
  {
    method: 'delete', path: '/plans/{id}', operationId: 'deletePlan', tag: 'plans', summary: 'Delete a plan',
    description: 'Its images stay until they expire.',
    params: NUMERIC_ID, ok: { status: 204, description: 'Deleted.' }, errors: [404, 409],
    handle: (c) => {
      c.api.deletePlan(id(c.params));
      return noContent();
    },
  },
  {
    method: 'post', path: '/plans/{id}/enable', operationId: 'enablePlan', tag: 'plans', summary: 'Enable a plan',
    params: NUMERIC_ID, ok: { status: 200, description: 'The plan.', schema: 'Plan' }, errors: [404, 409],
    handle: (c) => json(200, c.api.setPlanEnabled(id(c.params), true)),
  },
  {
    method: 'post', path: '/plans/{id}/disable', operationId: 'disablePlan', tag: 'plans', summary: 'Disable a plan (nothing starts)',
    params: NUMERIC_ID, ok: { status: 200, description: 'The plan.', schema: 'Plan' }, errors: [404, 409],
    handle: (c) => json(200, c.api.setPlanEnabled(id(c.params), false)),
  },
  {
    method: 'post', path: '/plans/{id}/copy', operationId: 'copyPlan', tag: 'plans', summary: 'Create a plan from one used before',
    description: 'The source plan\'s fields, overridden by the body\'s, under the new name.',
    params: NUMERIC_ID, body: 'PlanCopy', ok: { status: 201, description: 'The new plan.', schema: 'Plan', location: true }, errors: [404, 409],
    handle: (c) => created(c.base, c.api.createPlanFrom(id(c.params), c.body as Partial<PlanInput> & { name: string })),
  },
];
