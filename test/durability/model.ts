/**
 * The durability test's model of what the store must hold after a kill.
 *
 * - The configuration (VVols and their state, metadata, capacity; pairs; active tasks;
 *   bindings) is observed: every acknowledgement in the journal carries the view the
 *   child read right after the call (view.js). The last acknowledged view must survive.
 * - Chunk contents are predicted from the acknowledged operations (too large to
 *   journal): writes and trims, mirrored to the RV of a replicating pair; snapshots and
 *   fast clones copy their source; a revert copies the snapshot back; a full clone or a
 *   replication is complete when its task ended with success. Where content is not
 *   certain (an RV while its pair copies, a copy that failed or was cut short) it is
 *   "unknown" and only chunks written since are checked.
 * - The one operation that may have been in flight when the kill landed is settled by
 *   looking at the store: it happened whole (its own effects are checked, and everything
 *   else that changed must belong to it) or it left no trace.
 */
import type { DiskArrayEngine } from '../../src/array/engine';
import { MiB } from '../../src/array/models';
import { storeView, View } from './view';

export const ARRAY = 'Storage001';

export interface JournalLine {
  t: 'intent' | 'ack' | 'err' | 'crash';
  n: number;
  op: string;
  now: number;
  seq?: number;
  view?: View;
  code?: string;
  message?: string;
  error?: string;
  created?: boolean;
  vvolId?: string;
  pool?: number | null;
  type?: string;
  sizeBytes?: number;
  thick?: boolean;
  metadata?: Record<string, string> | null;
  capacity?: number;
  idx?: number;
  tokens?: string[];
  count?: number;
  background?: boolean;
  taskId?: string | null;
  host?: string;
  vvolIds?: string[];
  items?: { vvolId: string; ok: boolean }[];
  base?: string;
  esvId?: string;
  esv?: string;
  snaps?: { esvId: string; metadata: Record<string, string> | null }[];
  results?: { esvId: string; ok: boolean }[];
  src?: string;
  fcvId?: string;
  dstId?: string;
  dstPool?: number;
  mv?: string;
  rv?: string;
  force?: boolean;
  kv?: Record<string, string>;
  to?: number;
  generations?: number;
  rvs?: string[];
  from?: 'last' | 'previous';
  done?: { id: string; state: string; code: string | null }[];
}

/** Chunk contents: `known` holds what is certain (null: never written, or trimmed). */
export interface Content {
  known: Map<number, string | null>;
  /** Whether chunks missing from `known` are unknown (otherwise they read as null). */
  restUnknown: boolean;
}

/** A journal line the model cannot make sense of. */
export class ModelError extends Error {}

const empty = (): Content => ({ known: new Map(), restUnknown: false });
const unknown = (): Content => ({ known: new Map(), restUnknown: true });
const copy = (c: Content): Content => ({ known: new Map(c.known), restUnknown: c.restUnknown });
/** A VVol id in a message: its last 8 hex digits (the LD part; the first ones are the same for every VVol of the array). */
export const short = (id: string | null | undefined) => (id ? id.slice(-8) : String(id));
const emptyView = (): View => ({ vvols: {}, pairs: {}, tasks: {}, bindings: [] });

function need<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null) throw new ModelError(`journal line without ${what}`);
  return v;
}

/** Metadata as set: an empty value removes the key. */
function merge(md: Record<string, string>, kv: Record<string, string> | null | undefined): Record<string, string> {
  const out = { ...md };
  for (const [k, v] of Object.entries(kv ?? {})) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

/** JSON with object keys sorted, so that equal values compare equal whatever their key order. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x && typeof x === 'object') {
    return `{${Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(x) ?? 'undefined';
}
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
const sameRecord = (a: Record<string, string>, b: Record<string, string>) => same(a, b);

export class Model {
  bootstrapped = false;
  /** The last acknowledged view. */
  view: View = emptyView();
  readonly content = new Map<string, Content>();
  /** The child's clock as far as the journals show it. */
  now: number;
  /** The highest event sequence acknowledged. */
  seq = 0;
  /** VVols that appeared without an operation the model knows to make them (their content is unknown). */
  unpredicted = 0;
  /** Backup volumes ("ld<id>") whose last copy from their MV ended with success: the only ones that may hold a backup's point in time. */
  readonly completeCopy = new Set<string>();

  constructor(start: number) {
    this.now = start;
  }

  private contentOf(id: string | undefined): Content {
    return this.content.get(need(id, 'a VVol id')) ?? unknown();
  }

  /** The engine's `mirrors`: RVs that receive the MV's writes. */
  private mirrors(v: View, vvolId: string): string[] {
    return Object.entries(v.pairs)
      .filter(([k, p]) => k.startsWith(`${vvolId} `) && (p.activity === 'replicate' || p.activity === 'restore') && p.sync !== 'cancel' && p.sync !== 'fault')
      .map(([k]) => k.split(' ')[1]);
  }

  private io(v: View, vvolId: string, idx: number, values: (string | null)[]): void {
    for (const id of [vvolId, ...this.mirrors(v, vvolId)]) {
      let c = this.content.get(id);
      if (!c) this.content.set(id, (c = unknown()));
      values.forEach((x, i) => c.known.set(idx + i, x));
    }
  }

  /** Applies an acknowledged outcome: an "ack" line, or an "err" line (which changed nothing but, maybe, the view). */
  apply(l: JournalLine): void {
    if (l.seq !== undefined) this.seq = Math.max(this.seq, l.seq);
    this.now = Math.max(this.now, l.now, l.to ?? 0);
    if (l.t === 'ack') this.predict(l, this.view);
    else if (l.t !== 'err') throw new ModelError(`apply() got a ${l.t} line`);
    if (l.view) this.adopt(l.view);
  }

  /** Takes `v` as the acknowledged view; content follows its set of VVols. */
  adopt(v: View): void {
    this.view = v;
    // A backup volume (RV, no VVol) is followed while a pair names it.
    const paired = new Set(Object.keys(v.pairs).flatMap((k) => k.split(' ')));
    for (const id of this.content.keys()) if (!v.vvols[id] && !paired.has(id)) this.content.delete(id);
    // completeCopy keeps an RV whose pair went with its MV: B10 keeps such an RV, with its backup.
    for (const id of Object.keys(v.vvols)) {
      if (!this.content.has(id)) {
        this.content.set(id, unknown());
        this.unpredicted++;
      }
    }
  }

  /** The content effects of an acknowledged operation; `pre` is the view before it. */
  predict(l: JournalLine, pre: View): void {
    switch (l.op) {
      case 'bootstrap':
        this.bootstrapped = true;
        return;
      case 'create':
        this.content.set(need(l.vvolId, 'vvolId'), empty());
        return;
      case 'write':
        this.io(pre, need(l.vvolId, 'vvolId'), need(l.idx, 'idx'), need(l.tokens, 'tokens'));
        return;
      case 'trim':
        this.io(pre, need(l.vvolId, 'vvolId'), need(l.idx, 'idx'), new Array<null>(need(l.count, 'count')).fill(null));
        return;
      case 'snapshot':
        this.content.set(need(l.esvId, 'esvId'), copy(this.contentOf(l.base)));
        return;
      case 'prepare':
        this.content.set(need(l.esvId, 'esvId'), empty());
        return;
      case 'take':
        for (const r of need(l.results, 'results')) {
          if (!r.ok) continue;
          const parent = pre.vvols[r.esvId]?.parent;
          if (!parent) throw new ModelError(`took the snapshot ${r.esvId}, which the view does not know with a base`);
          this.content.set(r.esvId, copy(this.contentOf(parent)));
        }
        return;
      case 'revert':
        this.content.set(need(l.base, 'base'), copy(this.contentOf(l.esv)));
        return;
      case 'fastClone':
        this.content.set(need(l.fcvId, 'fcvId'), copy(this.contentOf(l.src)));
        return;
      case 'fullClone':
        this.content.set(need(l.dstId, 'dstId'), unknown());
        return;
      case 'replicate':
        this.content.set(need(l.rv, 'rv'), unknown());
        this.completeCopy.delete(l.rv as string);
        return;
      case 'protect':
        // New LDs: nothing written yet.
        for (const rv of need(l.rvs, 'rvs')) if (!pre.pairs[`${l.vvolId} ${rv}`]) this.content.set(rv, empty());
        return;
      case 'backup':
        // beginBackup and startBackupCopies both done: the copy runs; the RV holds no backup until it ends.
        if (l.rv) {
          this.content.set(l.rv, unknown());
          this.completeCopy.delete(l.rv);
        }
        return;
      case 'cancelBackup':
        for (const t of Object.values(pre.tasks)) {
          if (t.kind === 'replicate' && t.src === l.mv && t.dst) {
            this.content.set(t.dst, unknown());
            this.completeCopy.delete(t.dst);
          }
        }
        return;
      case 'restoreBackup':
        // The MV takes the RV's content as the restore copies (F.3.3); until it ends, it is partial.
        this.content.set(need(l.mv, 'mv'), unknown());
        return;
      case 'tick':
        for (const d of need(l.done, 'done')) {
          const t = pre.tasks[d.id];
          if (!t) throw new ModelError(`a tick ended the task ${d.id}, which was not active`);
          if ((t.kind === 'clone' || t.kind === 'replicate' || t.kind === 'restore') && t.dst) {
            // A copy that ended well left dst equal to src; any other end leaves a partial copy.
            this.content.set(t.dst, d.state === 'success' && t.src ? copy(this.contentOf(t.src)) : unknown());
            if (t.kind === 'replicate' && d.state === 'success') this.completeCopy.add(t.dst);
            else if (t.kind === 'replicate') this.completeCopy.delete(t.dst);
          }
        }
        return;
      case 'delete':
      case 'bind':
      case 'unbind':
      case 'pair':
      case 'separate':
      case 'unpair':
      case 'resize':
      case 'meta':
        return;
      default:
        throw new ModelError(`unknown operation ${l.op}`);
    }
  }
}

// ---- the store side ---------------------------------------------------------------------

export function currentView(engine: DiskArrayEngine): View {
  return storeView(engine.store);
}

export function eventSeq(engine: DiskArrayEngine): number {
  return engine.store.get<{ event_seq: number }>('SELECT event_seq FROM arrays WHERE name = ?', ARRAY)?.event_seq ?? 0;
}

function readAll(engine: DiskArrayEngine, vvolId: string, start: number, count: number): (string | null)[] | undefined {
  try {
    // "ld<id>": an LD that is no VVol (a backup volume).
    const ldn = vvolId.startsWith('ld') ? engine.store.get<{ ldn: number }>('SELECT ldn FROM lds WHERE id = ?', Number(vvolId.slice(2)))?.ldn : undefined;
    const ld = ldn !== undefined ? engine.getLd(ARRAY, ldn) : engine.getVvol(vvolId);
    const out: (string | null)[] = [];
    for (let s = start; s < start + count; s += 4096) out.push(...engine.readChunks(ld, s, Math.min(4096, start + count - s)));
    return out;
  } catch {
    return undefined;
  }
}

/** Whether chunks read agree with a content prediction (on the chunks it knows). */
function fits(got: (string | null)[], c: Content | undefined): boolean {
  if (!c) return true;
  for (let i = 0; i < got.length; i++) {
    const want = c.known.has(i) ? c.known.get(i) : c.restUnknown ? undefined : null;
    if (want !== undefined && got[i] !== want) return false;
  }
  return true;
}

interface Diff {
  what: string;
  /** VVol ids the difference concerns. */
  ids: (string | null)[];
  added?: string;
  removed?: string;
}

/** Every difference between two views. */
export function diffViews(a: View, b: View): Diff[] {
  const out: Diff[] = [];
  for (const id of new Set([...Object.keys(a.vvols), ...Object.keys(b.vvols)])) {
    const x = a.vvols[id];
    const y = b.vvols[id];
    if (!y) out.push({ what: `VVol ${short(id)} (${x.snap} ${x.state}) is gone`, ids: [id], removed: id });
    else if (!x) out.push({ what: `VVol ${short(id)} (${y.snap} ${y.state}) appeared`, ids: [id], added: id });
    else if (!same(x, y)) {
      const fields = (Object.keys(x) as (keyof typeof x)[]).filter((k) => !same(x[k], y[k]));
      out.push({ what: `VVol ${short(id)}: ${fields.map((k) => `${k} ${JSON.stringify(x[k])} -> ${JSON.stringify(y[k])}`).join(', ')}`, ids: [id] });
    }
  }
  for (const k of new Set([...Object.keys(a.pairs), ...Object.keys(b.pairs)])) {
    const x = a.pairs[k];
    const y = b.pairs[k];
    if (!same(x, y)) out.push({ what: `pair ${k.split(' ').map(short).join('/')}: ${JSON.stringify(x ?? null)} -> ${JSON.stringify(y ?? null)}`, ids: k.split(' ') });
  }
  for (const k of new Set([...Object.keys(a.tasks), ...Object.keys(b.tasks)])) {
    const x = a.tasks[k];
    const y = b.tasks[k];
    if (!same(x, y)) {
      const t = x ?? y;
      out.push({ what: `task ${k} (${t.kind} ${short(t.src)} -> ${short(t.dst)}): ${x ? 'active' : 'absent'} -> ${y ? 'active' : 'absent'}`, ids: [t.src, t.dst] });
    }
  }
  const ba = new Set(a.bindings);
  const bb = new Set(b.bindings);
  for (const k of ba) if (!bb.has(k)) out.push({ what: `binding ${k.split(' ')[0]} -> ${short(k.split(' ')[1])} is gone`, ids: [k.split(' ')[1]] });
  for (const k of bb) if (!ba.has(k)) out.push({ what: `binding ${k.split(' ')[0]} -> ${short(k.split(' ')[1])} appeared`, ids: [k.split(' ')[1]] });
  return out;
}

/**
 * The in-flight operation (an intent without its ack), judged from the store's view S
 * against the last acknowledged view V (model.view) and, for guest I/O and reverts,
 * from the chunks: the acknowledgement it would have produced if it happened, or null
 * if it left no trace.
 */
export function resolveInFlight(model: Model, i: JournalLine, S: View, engine: DiskArrayEngine): JournalLine | null {
  const V = model.view;
  const ack = (extra: Partial<JournalLine>): JournalLine => ({ ...i, t: 'ack', ...extra, seq: undefined, view: undefined });
  const fresh = () => Object.keys(S.vvols).filter((id) => !V.vvols[id]);
  const pk = `${i.mv} ${i.rv}`;
  switch (i.op) {
    case 'bootstrap':
      return engine.listArrays().length > 0 ? ack({ created: true }) : null;
    case 'create': {
      // N4: the intent cannot name the id (the array picks the LD number); a VVol that is new and has no parent is it.
      const ids = fresh().filter((id) => S.vvols[id].parent === null && S.vvols[id].snap === '---' && !Object.keys(S.pairs).some((k) => k.endsWith(` ${id}`)));
      return ids.length ? ack({ vvolId: ids[0], capacity: i.sizeBytes }) : null;
    }
    case 'write': {
      const got = readAll(engine, need(i.vvolId, 'vvolId'), need(i.idx, 'idx'), 1);
      return got && got[0] === need(i.tokens, 'tokens')[0] ? ack({}) : null;
    }
    case 'trim': {
      const got = readAll(engine, need(i.vvolId, 'vvolId'), need(i.idx, 'idx'), need(i.count, 'count'));
      return got && got.every((x) => x === null) ? ack({}) : null;
    }
    case 'delete': {
      const id = need(i.vvolId, 'vvolId');
      const before = V.vvols[id];
      const after = S.vvols[id];
      if (before && !after) return ack({ background: false });
      if (before && after && before.state !== 'deleting' && after.state === 'deleting') return ack({ background: true });
      return null;
    }
    case 'bind':
    case 'unbind': {
      const items = need(i.vvolIds, 'vvolIds').map((id) => {
        const key = `${i.host} ${id}`;
        return { vvolId: id, ok: i.op === 'bind' ? S.bindings.includes(key) && !V.bindings.includes(key) : !S.bindings.includes(key) && V.bindings.includes(key) };
      });
      return items.some((x) => x.ok) ? ack({ items }) : null;
    }
    case 'snapshot':
    case 'prepare': {
      const ids = fresh().filter((id) => S.vvols[id].parent === i.base && S.vvols[id].snap === 'ESV');
      return ids.length ? ack({ esvId: ids[0] }) : null;
    }
    case 'take': {
      const results = need(i.snaps, 'snaps').map((x) => ({ esvId: x.esvId, ok: V.vvols[x.esvId]?.state === 'prepared' && S.vvols[x.esvId]?.state === 'ready' }));
      return results.some((x) => x.ok) ? ack({ results }) : null;
    }
    case 'revert': {
      const ev = engine.store.get("SELECT seq FROM events WHERE seq > ? AND message_id = 'nec.snapshot.reverted' AND object_id = ?", model.seq, need(i.base, 'base'));
      if (ev) return ack({});
      // Without its event: did the base take the snapshot's content (and lose its own)?
      const base = S.vvols[i.base as string];
      const got = base && readAll(engine, i.base as string, 0, base.capacity / MiB);
      if (!got) return null;
      return fits(got, model.content.get(need(i.esv, 'esv'))) && !fits(got, model.content.get(i.base as string)) ? ack({}) : null;
    }
    case 'fastClone': {
      const ids = fresh().filter((id) => S.vvols[id].parent === i.src && S.vvols[id].snap !== 'ESV');
      return ids.length ? ack({ fcvId: ids[0] }) : null;
    }
    case 'fullClone': {
      const ids = fresh().filter((id) => S.pairs[`${i.src} ${id}`]);
      return ids.length ? ack({ dstId: ids[0] }) : null;
    }
    case 'pair':
      return S.pairs[pk] && !V.pairs[pk] ? ack({}) : null;
    case 'replicate':
      return V.pairs[pk]?.activity === 'separate' && S.pairs[pk]?.activity === 'replicate' ? ack({}) : null;
    case 'separate':
      return V.pairs[pk] && S.pairs[pk] && !same(V.pairs[pk], S.pairs[pk]) ? ack({}) : null;
    case 'unpair':
      return V.pairs[pk] && !S.pairs[pk] ? ack({}) : null;
    case 'resize': {
      const id = need(i.vvolId, 'vvolId');
      return V.vvols[id] && S.vvols[id] && V.vvols[id].capacity !== S.vvols[id].capacity ? ack({ capacity: S.vvols[id].capacity }) : null;
    }
    case 'meta': {
      const id = need(i.vvolId, 'vvolId');
      return V.vvols[id] && S.vvols[id] && !sameRecord(V.vvols[id].md, S.vvols[id].md) ? ack({}) : null;
    }
    case 'protect': {
      const rvs = Object.keys(S.pairs).filter((k) => k.startsWith(`${i.vvolId} ld`) && S.pairs[k].purpose === 'backup').map((k) => k.split(' ')[1]);
      return rvs.some((rv) => !V.pairs[`${i.vvolId} ${rv}`]) ? ack({ rvs }) : null;
    }
    case 'backup':
    case 'restoreBackup': {
      // Its copy is the trace; a kill between beginBackup and startBackupCopies leaves none in the view (the job waits in "Configuration checking").
      const kind = i.op === 'backup' ? 'replicate' : 'restore';
      const t = Object.entries(S.tasks).find(([id, x]) => !V.tasks[id] && x.kind === kind && (kind === 'replicate' ? x.src === i.mv : x.dst === i.mv));
      return t ? ack({ rv: (kind === 'replicate' ? t[1].dst : t[1].src) ?? undefined }) : null;
    }
    case 'cancelBackup': {
      const ev = engine.store.get("SELECT seq FROM events WHERE seq > ? AND message_id = 'nec.backup.interrupted' AND object_id = ?", model.seq, `vm-${need(i.mv, 'mv')}`);
      return ev ? ack({}) : null;
    }
    case 'tick': {
      // Each task step is its own transaction: any of the active tasks may have ended.
      const ids = Object.keys(V.tasks).filter((id) => !S.tasks[id]);
      const rows = ids.length
        ? engine.store.all<{ id: string; state: string; error_code: string | null }>(
            `SELECT id, state, error_code FROM tasks WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY started_at, rowid`,
            ...ids,
          )
        : [];
      return ack({ done: rows.map((r) => ({ id: r.id, state: r.state, code: r.error_code })) });
    }
    default:
      throw new ModelError(`cannot resolve an in-flight ${i.op}`);
  }
}

/**
 * Checks that an in-flight operation that happened did so whole (its own effects, as
 * far as they are certain) and that the view changed only where it could have.
 */
export function checkInFlight(i: JournalLine, done: JournalLine | null, V: View, S: View): string[] {
  const problems: string[] = [];
  const p = (s: string) => problems.push(`in-flight ${i.op} ${done ? '(happened)' : '(no trace)'}: ${s}`);
  const vv = (id: string | undefined) => S.vvols[need(id, 'id')];
  if (done) {
    switch (i.op) {
      case 'create': {
        const v = vv(done.vvolId);
        const want = { state: 'ready', access: 'ReadWrite', capacity: i.sizeBytes, pool: i.pool, parent: null, snap: '---', type: i.type, md: merge({}, i.metadata) };
        if (!same(v, want)) p(`VVol ${short(done.vvolId)} is ${JSON.stringify(v)}, expected ${JSON.stringify(want)}`);
        break;
      }
      case 'snapshot':
      case 'prepare':
      case 'fastClone': {
        const id = (i.op === 'fastClone' ? done.fcvId : done.esvId) as string;
        const src = V.vvols[need(i.op === 'fastClone' ? i.src : i.base, 'source')];
        const v = vv(id);
        const md = i.op === 'prepare' ? {} : merge({}, i.metadata);
        if (!sameRecord(v.md, md)) p(`${short(id)} has metadata ${JSON.stringify(v.md)}, expected ${JSON.stringify(md)}`);
        if (v.capacity !== src.capacity || v.pool !== src.pool || v.type !== src.type) p(`${short(id)} is ${JSON.stringify(v)}, its source ${JSON.stringify(src)}`);
        if (i.op !== 'fastClone' && v.state !== (i.op === 'snapshot' ? 'ready' : 'prepared')) p(`${short(id)} is ${v.state}`);
        break;
      }
      case 'take':
        for (const r of done.results ?? []) {
          if (!r.ok) continue;
          const md = merge(V.vvols[r.esvId].md, need(i.snaps, 'snaps').find((x) => x.esvId === r.esvId)?.metadata);
          if (!sameRecord(vv(r.esvId).md, md)) p(`${short(r.esvId)} has metadata ${JSON.stringify(vv(r.esvId).md)}, expected ${JSON.stringify(md)}`);
        }
        break;
      case 'fullClone': {
        const id = done.dstId as string;
        const src = V.vvols[need(i.src, 'src')];
        const v = vv(id);
        if (!sameRecord(v.md, merge({}, i.metadata))) p(`${short(id)} has metadata ${JSON.stringify(v.md)}`);
        if (v.capacity !== src.capacity || v.pool !== (i.pool ?? src.pool) || v.type !== src.type) p(`${short(id)} is ${JSON.stringify(v)}, its source ${JSON.stringify(src)}`);
        if (!Object.values(S.tasks).some((t) => t.kind === 'clone' && t.src === i.src && t.dst === id)) p(`no clone task copies ${short(i.src)} to ${short(id)}`);
        break;
      }
      case 'pair': {
        const pr = S.pairs[`${i.mv} ${i.rv}`];
        if (pr.activity !== 'separate' || pr.sync !== 'separated') p(`the new pair is ${JSON.stringify(pr)}`);
        break;
      }
      case 'replicate':
        if (!Object.values(S.tasks).some((t) => t.kind === 'replicate' && t.src === i.mv && t.dst === i.rv)) p(`no replicate task copies ${short(i.mv)} to ${short(i.rv)}`);
        break;
      case 'resize': {
        const want = Math.ceil(need(i.sizeBytes, 'sizeBytes') / MiB) * MiB;
        if (vv(i.vvolId).capacity !== want) p(`${short(i.vvolId)} has ${vv(i.vvolId).capacity} bytes, expected ${want}`);
        break;
      }
      case 'meta': {
        const want = merge(V.vvols[need(i.vvolId, 'vvolId')].md, i.kv);
        if (!sameRecord(vv(i.vvolId).md, want)) p(`${short(i.vvolId)} has metadata ${JSON.stringify(vv(i.vvolId).md)}, expected ${JSON.stringify(want)}`);
        break;
      }
      case 'delete':
        if (done.background && !Object.values(S.tasks).some((t) => t.kind === 'snapshot-delete' && t.src === i.vvolId)) p(`the snapshot ${short(i.vvolId)} is deleting without a task`);
        break;
      default:
        break;
    }
  }

  // Everything else must be as acknowledged: differences may only concern what the operation touches.
  const named = [i.vvolId, i.base, i.esv, i.src, i.mv, i.rv, ...(i.vvolIds ?? []), ...(i.snaps ?? []).map((x) => x.esvId)].filter((x): x is string => !!x);
  const mayAppear = done && ['create', 'snapshot', 'prepare', 'fastClone', 'fullClone'].includes(i.op) ? [done.vvolId ?? done.esvId ?? done.fcvId ?? done.dstId] : [];
  const mayGo = new Set<string>(i.op === 'delete' ? named : []);
  const touched = new Set<string>([...named, ...mayAppear.filter((x): x is string => !!x)]);
  if (i.op === 'tick') {
    for (const t of Object.values(V.tasks)) {
      for (const id of [t.src, t.dst]) {
        if (!id) continue;
        touched.add(id);
        mayGo.add(id);
      }
    }
    // A tick is several transactions (the tasks, then the backups they finished): a kill
    // between them leaves a backup pair whose copy ended (rpl/sync, rst/sync) for the next
    // tick to separate, with no task left in the acknowledged view.
    for (const [k, pr] of Object.entries(V.pairs)) {
      if (pr.sync === 'rpl/sync' || pr.sync === 'rst/sync') k.split(' ').forEach((x) => touched.add(x));
    }
  }
  // The parents (snapshot attribute) and pair partners (RPL attribute, access) of what the operation touches.
  for (const id of [...touched]) {
    for (const v of [V, S]) {
      const parent = v.vvols[id]?.parent;
      if (parent) touched.add(parent);
      for (const k of Object.keys(v.pairs)) if (k.split(' ').includes(id)) k.split(' ').forEach((x) => touched.add(x));
    }
  }
  for (const d of diffViews(V, S)) {
    if (d.added && !mayAppear.includes(d.added)) p(`${d.what}, not made by this operation`);
    else if (d.removed && !mayGo.has(d.removed)) p(`${d.what}, not removed by this operation`);
    else if (!d.ids.some((id) => id && touched.has(id))) p(`${d.what}, which this operation does not touch`);
  }
  if (!done && i.op !== 'write' && i.op !== 'tick') {
    // No trace of the operation itself: then nothing at all may have changed (a failed write may have faulted its LD).
    for (const d of diffViews(V, S)) if (!problems.some((x) => x.includes(d.what))) p(`${d.what}, but the operation itself left no trace`);
  }
  return problems;
}

/** The content check: every VVol whose content the model knows reads back as predicted. */
export function checkContent(m: Model, engine: DiskArrayEngine): string[] {
  const problems: string[] = [];
  const rvs = [...m.content.keys()].filter((id) => id.startsWith('ld') && !m.view.vvols[id]).map((id) => {
    const capacity = engine.store.get<{ capacity: number }>('SELECT capacity FROM lds WHERE id = ?', Number(id.slice(2)))?.capacity ?? 0;
    return [id, { snap: 'RV', state: 'ld', capacity }] as const;
  });
  for (const [id, v] of [...Object.entries(m.view.vvols), ...rvs]) {
    const c = m.content.get(id);
    if (!c || (c.restUnknown && c.known.size === 0)) continue;
    const chunks = v.capacity / MiB;
    const got = readAll(engine, id, 0, chunks);
    if (!got) continue; // not readable in its state (prepared, deleting, being copied)
    let bad = 0;
    for (let i = 0; i < chunks; i++) {
      const want = c.known.has(i) ? c.known.get(i) : c.restUnknown ? undefined : null;
      if (want !== undefined && got[i] !== want && bad++ < 3) problems.push(`VVol ${short(id)} (${v.snap} ${v.state}): chunk ${i} reads ${got[i]}, acknowledged ${want}`);
    }
    for (const [i, t] of c.known) if (i >= chunks && t !== null) problems.push(`VVol ${short(id)}: acknowledged chunk ${i} is beyond its end (${chunks} chunks)`);
  }
  return problems;
}

const K2_STATES = ['none', 'checking', 'backing-up', 'completed', 'failed', 'restore-copying', 'restored', 'restore-failed'];

/**
 * The backup check (K1-K4): every VVol's backup state reads back; no RV is marked as
 * holding a backup (a point in time) unless its last copy from its MV ended with success
 * (as the acknowledged ticks show), no copy into it is running and it is not "Backing up".
 */
export function checkBackups(m: Model, engine: DiskArrayEngine): string[] {
  const problems: string[] = [];
  for (const { mv_id } of engine.store.all<{ mv_id: number }>('SELECT DISTINCT mv_id FROM backup_volumes WHERE mv_id IS NOT NULL ORDER BY mv_id')) {
    try {
      for (const r of engine.diskBackup(mv_id).rvs) if (!K2_STATES.includes(r.state)) problems.push(`backup: RV ld${r.rvId} of MV ld${mv_id} is in the unknown state ${r.state}`);
    } catch (e) {
      problems.push(`backup: the state of MV ld${mv_id} does not read: ${(e as Error).message}`);
    }
  }
  const valid = engine.store.all<{ rv_id: number; state: string }>('SELECT rv_id, state FROM backup_states WHERE backed_up_at IS NOT NULL ORDER BY rv_id');
  for (const r of valid) {
    const id = `ld${r.rv_id}`;
    if (!m.completeCopy.has(id)) problems.push(`backup: RV ${id} (${r.state}) is marked as holding a backup, but no copy into it ended with success`);
    if (r.state === 'backing-up') problems.push(`backup: RV ${id} is "Backing up" and marked as holding a backup`);
    if (engine.store.get("SELECT 1 FROM tasks WHERE dst_ld = ? AND state IN ('queued', 'running')", r.rv_id)) problems.push(`backup: RV ${id} is marked as holding a backup while a copy into it runs`);
  }
  return problems;
}
