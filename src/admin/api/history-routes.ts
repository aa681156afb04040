/**
 * /history and /report.csv: each job (backup or restore) with its status and
 * duration ("last 7 days" or "all"), and the CSV report of the last 14 days.
 */
import type { ApiRoute } from './route';
import { json } from './route';
import type { ParamSpecs } from './validation';

const HISTORY_QUERY: ParamSpecs = {
  view: { description: 'Jobs of the last 7 days (default) or all.', schema: { type: 'string', enum: ['7days', 'all'] } },
};

export const HISTORY_ROUTES: ApiRoute[] = [
  {
    method: 'get', path: '/history', operationId: 'history', tag: 'history', summary: 'Job history',
    query: HISTORY_QUERY, ok: { status: 200, description: 'The jobs, newest first.', schema: 'HistoryEntry', list: true }, errors: [],
    handle: (c) => json(200, c.api.history({ days: c.query.view === 'all' ? 'all' : 7 })),
  },
  {
    method: 'get', path: '/report.csv', operationId: 'report', tag: 'history', summary: 'CSV report of the last 14 days',
    description: 'At most 2,000 rows; per VM: plan, start, end, status, bytes read, bytes stored.',
    ok: { status: 200, description: 'The report.', contentType: 'text/csv' }, errors: [],
    handle: (c) => ({
      status: 200, text: c.api.reportCsv(), type: 'text/csv; charset=utf-8',
      headers: { 'Content-Disposition': 'attachment; filename="image-backup-report.csv"' },
    }),
  },
];
