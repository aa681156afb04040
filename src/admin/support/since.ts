/**
 * `--since`: an ISO date or time (UTC unless it names a zone, like the log lines) or an
 * age such as 30m, 24h, 7d, 2w, counted back from the clock.
 */
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The time `text` stands for, or undefined when it is not a time. */
export function parseSince(text: string, now: number): number | undefined {
  const t = text.trim();
  const rel = /^(\d+)\s*(m|h|d|w)$/i.exec(t);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()];
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(t)) return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) && t.length > 10;
  const iso = t.replace(' ', 'T');
  const ms = Date.parse(t.length === 10 || hasZone ? iso : `${iso}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

const LINE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s/;

/**
 * The lines of a log at or after `since`. A line without a leading timestamp (a stack
 * trace) goes with the line before it; lines before the first stamped one go with the
 * file (kept when `keepLeading`).
 */
export function filterLogLines(text: string, since: number, keepLeading: boolean): string {
  const out: string[] = [];
  let keep = keepLeading;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const m = LINE_TIME.exec(line);
    if (m) keep = Date.parse(m[1]) >= since;
    if (keep) out.push(line);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
