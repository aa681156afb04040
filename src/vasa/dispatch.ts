/**
 * The request pipeline: envelope -> operation -> authentication (certificate,
 * session) -> body -> handler -> response, each a small step (admission control runs
 * before, in the HTTP layer). Every call
 * is logged once with operation, session, duration and outcome (polling calls only
 * at debug level unless they fail). The error path cannot throw: it ends in a plain
 * StorageFault.
 */
import crypto from 'node:crypto';
import { isArrayError } from '../array/errors';
import { isVvolId } from '../array/ids';
import { containers, findArrayByWireId } from './convert';
import { Busy } from './admission';
import type { Call, Face, Handler } from './face';
import { allowed, faultDetail, faultFromArrayError, VasaFault } from './faults';
import { CodecError } from './soap/codec';
import { actionFrom, contentType, envelope, EnvelopeError, faultEnvelope, readEnvelope, SoapVersion } from './soap/envelope';
import { key } from './soap/schema';
import type { OperationDef } from './soap/wsdl';

export type Auth = 'none' | 'certificate' | 'session';

export interface OpEntry {
  handler: Handler;
  auth: Auth;
  /** Frequent polling calls: logged at debug level when they succeed. */
  quiet?: boolean;
}

export interface SoapHttpRequest {
  body: string;
  soapAction?: string;
  contentType?: string;
  sessionId?: string;
  clientCert?: string;
}

export interface SoapHttpResponse {
  status: number;
  contentType: string;
  body: string;
  sessionId?: string;
  op?: string;
}

export const SESSION_COOKIE = 'VASASESSIONID';

const shortId = (id?: string) => (id ? crypto.createHash('sha256').update(id).digest('hex').slice(0, 8) : '-');

export class Dispatcher {
  constructor(
    private readonly face: Face,
    private readonly ops: Map<string, OperationDef>,
    private readonly table: Record<string, OpEntry>,
  ) {}

  async handle(r: SoapHttpRequest): Promise<SoapHttpResponse> {
    const started = process.hrtime.bigint();
    let version: SoapVersion = /application\/soap\+xml/i.test(r.contentType ?? '') ? '1.2' : '1.1';
    let op = '?';
    let session: string | undefined;
    let array: string | undefined;
    try {
      const env = readEnvelope(r.body, r.soapAction, r.contentType);
      version = env.version;
      op = (env.body?.local ?? env.action ?? '').replace(/^$/, '?');
      if (env.body && env.action && env.body.local !== env.action && env.body.local !== `${env.action}Request`) op = env.body.local;
      const def = this.ops.get(op);
      const entry = this.table[op];
      if (!def) {
        return this.finish(started, op, session, 'unknown', this.plainFault(version, `Unknown operation "${op}".`, 500));
      }
      const call: Call = { face: this.face, op, req: {}, clientCert: r.clientCert };
      if (!entry) throw new VasaFault('NotImplemented', `The operation ${op} is not supported by this provider.`);
      if (entry.auth === 'session') {
        call.session = this.face.sessions.touch(r.sessionId);
        if (!call.session) throw new VasaFault('InvalidSession', 'The session is missing, unknown or expired: call setContext first.', {}, true);
        session = call.session.id;
      }
      if (def.input) {
        if (!env.body) throw new VasaFault('InvalidArgument', `The request has no ${op} element.`, {}, true);
        const decl = this.face.codec.schema.elements.get(key(def.input));
        if (!decl) throw new Error(`No schema element for ${op}`);
        call.req = this.face.codec.decodeComplex(env.body, decl.type, op);
      }
      array = this.arrayOf(call.req);
      const value = await this.run(entry, call);
      if (call.newSession) session = call.newSession.id;
      const out: string[] = [];
      if (def.output) {
        const decl = this.face.codec.schema.elements.get(key(def.output));
        if (!decl) throw new Error(`No schema element for ${op}Response`);
        this.face.codec.element(out, decl, value === undefined ? {} : { return: value });
      }
      const resp: SoapHttpResponse = { status: 200, contentType: contentType(version, `${op}Response`), body: envelope(version, out.join('')), sessionId: call.newSession?.id, op };
      return this.finish(started, op, session, 'ok', resp, entry.quiet, array);
    } catch (e) {
      return this.finish(started, op, session, 'fault', this.fault(version, op, e), false, array);
    }
  }

  /**
   * Runs a handler. Admission control (the provider-wide bound and the session's own
   * limit) is applied earlier, by the HTTP layer, from the request's arrival to the end
   * of its response: handlers run synchronously, so only there do calls overlap.
   */
  private async run(entry: OpEntry, call: Call): Promise<unknown> {
    return entry.handler(call);
  }

  /**
   * The answer for a call refused by admission control, before its body was read: the
   * SOAP version comes from the Content-Type, the operation (for the log) from the action.
   * VasaProviderBusy is sent as such whatever the operation's fault list says (the wire
   * reference: a setContext storm after a restart must get VasaProviderBusy, fast).
   */
  busy(contentTypeHeader: string | undefined, soapAction: string | undefined, message: string, session?: string): SoapHttpResponse {
    const started = process.hrtime.bigint();
    const version: SoapVersion = /application\/soap\+xml/i.test(contentTypeHeader ?? '') ? '1.2' : '1.1';
    const op = actionFrom(soapAction, contentTypeHeader) ?? '?';
    const f = new VasaFault('VasaProviderBusy', message);
    const body = faultEnvelope(version, f.message, faultDetail(this.face.codec, f), false);
    return this.finish(started, op, session, 'busy', { status: 500, contentType: contentType(version), body, op });
  }

  private toFault(e: unknown): VasaFault {
    if (e instanceof VasaFault) return e;
    if (isArrayError(e) && e.code === 'STORE_ERROR') {
      // The store's own words stay in the log; the client learns only that it failed.
      this.face.log.error(`store failure: ${e.message}`, { cause: String((e as Error).cause ?? '') });
      return new VasaFault('StorageFault', 'The provider could not complete the operation because its store failed; see the provider log.', {}, false, e.code);
    }
    if (isArrayError(e)) return faultFromArrayError(e);
    if (e instanceof Busy) return new VasaFault('VasaProviderBusy', e.message);
    if (e instanceof CodecError || e instanceof EnvelopeError) return new VasaFault('InvalidArgument', e.message, {}, true);
    this.face.log.error(`unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    return new VasaFault('StorageFault', 'The provider failed unexpectedly; see the provider log.');
  }

  private fault(version: SoapVersion, op: string, e: unknown): SoapHttpResponse {
    try {
      if (e instanceof EnvelopeError) return this.plainFault(e.version, e.message, 400);
      const def = this.ops.get(op);
      const f = allowed(this.toFault(e), def?.faults ?? ['StorageFault']);
      const body = faultEnvelope(version, f.message, faultDetail(this.face.codec, f), f.sender);
      return { status: 500, contentType: contentType(version), body, op };
    } catch (inner) {
      this.face.log.error(`fault rendering failed: ${(inner as Error)?.stack ?? inner}`);
      return this.plainFault(version, 'The provider failed unexpectedly.', 500);
    }
  }

  /** A fault with no VASA detail: for requests that are not VASA calls at all. */
  private plainFault(version: SoapVersion, message: string, status: number): SoapHttpResponse {
    return { status, contentType: contentType(version), body: faultEnvelope(version, message, '', true) };
  }

  /**
   * The disk array a call is about, for the log: named by arrayId, or found from the
   * container or VVol it names. Undefined when it names none (or one that does not exist).
   */
  private arrayOf(req: Record<string, unknown>): string | undefined {
    const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
    const e = this.face.engine;
    try {
      const arrayId = first(req.arrayId) ?? first(req.arrayUniqueId);
      if (arrayId) return findArrayByWireId(e, String(arrayId)).name;
      const container = first(req.containerId) ?? req.newContainerId;
      if (container) return containers(e).get(String(container).toLowerCase())?.array.name;
      const handle = first(req.vvolHandle) as { uniqueIdentifier?: unknown } | undefined;
      const snapshot = first(req.snapshotInfo) as { vvolId?: unknown } | undefined;
      const vvol = first(req.vvolId) ?? req.srcVVolId ?? handle?.uniqueIdentifier ?? snapshot?.vvolId;
      if (typeof vvol === 'string' && isVvolId(vvol)) {
        return e.getArray(e.getVvol(vvol).arrayId).name;
      }
    } catch {
      /* the log line goes without it */
    }
    return undefined;
  }

  private finish(started: bigint, op: string, session: string | undefined, outcome: string, resp: SoapHttpResponse, quiet = false, array?: string): SoapHttpResponse {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const level = outcome === 'ok' ? (quiet ? 'debug' : 'info') : resp.status >= 500 && outcome !== 'fault' ? 'warn' : 'info';
    const m = /<faultstring>([^<]*)<\/faultstring>|<soapenv:Text[^>]*>([^<]*)<\/soapenv:Text>/.exec(outcome === 'ok' ? '' : resp.body);
    this.face.log.log(level, `vasa ${op} session=${shortId(session)} array=${array ?? '-'} ${ms.toFixed(1)}ms ${outcome}${m ? `: ${m[1] ?? m[2]}` : ''}`);
    return resp;
  }
}
