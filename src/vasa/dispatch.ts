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
import { Busy } from './admission';
import type { Call, Face, Handler } from './face';
import type { OperationName, Requests } from './generated/operations';
import type { Session } from './sessions';
import type { XmlNode } from '../sys/xml';
import { allowed, faultDetail, faultFromArrayError, VasaFault } from './faults';
import { CodecError } from './soap/codec';
import { actionFrom, contentType, envelope, EnvelopeError, faultEnvelope, readEnvelopeAsync, SoapVersion } from './soap/envelope';
import { key } from './soap/schema';
import type { OperationDef } from './soap/wsdl';

/**
 * Who may call an operation (the security model, decided here and nowhere else):
 * - account: anyone on TLS; the handler checks the provider account carried in the request;
 * - certificate: a client certificate the provider trusts, no session yet (setContext);
 * - vcenter: a vCenter session (made with a vcGuid) on the certificate it was made with;
 * - session: any session, vCenter's or an ESXi host's, on the certificate it was made with.
 */
export type Auth = 'account' | 'certificate' | 'vcenter' | 'session';

/** Whether callers without a session may reach the operation at all. */
export const reachableWithoutSession = (auth: Auth): boolean => auth === 'account' || auth === 'certificate';

/** The table's entry for operation Op: its handler takes that operation's request. */
export interface OpEntryFor<Op extends OperationName> {
  handler: Handler<Op>;
  auth: Auth;
  /** Frequent polling calls: logged at debug level when they succeed. */
  quiet?: boolean;
}

/**
 * The dispatch table, keyed by operation name: an entry under a name must hold that
 * operation's handler, or it does not compile. Operations left out are NotImplemented.
 */
export type OperationTable = { readonly [Op in OperationName]?: OpEntryFor<Op> };

/**
 * An entry as the dispatcher runs it, for whichever operation arrived. The handler is a
 * method so every OpEntryFor<Op> is one (method parameters are bivariant); the request
 * given to it was decoded against the schema of that same operation.
 */
export interface OpEntry {
  handler(call: Call): unknown;
  auth: Auth;
  quiet?: boolean;
}

export interface SoapHttpRequest {
  body: string;
  soapAction?: string;
  contentType?: string;
  sessionId?: string;
  clientCert?: string;
  /** SHA-256 of the client certificate (lowercase hex), what sessions are bound to. */
  certFingerprint?: string;
  remoteAddress?: string;
}

export interface SoapHttpResponse {
  status: number;
  contentType: string;
  body: string;
  sessionId?: string;
  op?: string;
}

export const SESSION_COOKIE = 'VASASESSIONID';

/** Lists longer than maxBatchSize by nature: a VVol's metadata pairs, certificates and CRLs. */
const LIST_LIMITS: Record<string, number> = { metadata: 1024, keyValuePair: 1024, caRootCert: 256, caCRL: 256 };

/** A fault as the call log names it: the VASA fault's name (none for a request that is not a VASA call) and message. */
interface LoggedFault {
  name?: string;
  message: string;
}

/** What the call log line says beside operation, session and outcome. */
interface LogNotes {
  /** Successful polling calls are logged at debug level. */
  quiet?: boolean;
  /** The disk arrays the call was about, as its handler reported them. */
  arrays?: readonly string[];
  /** The caller's address. */
  from?: string;
  fault?: LoggedFault;
}

const shortId = (id?: string) => (id ? crypto.createHash('sha256').update(id).digest('hex').slice(0, 8) : '-');

export class Dispatcher {
  /**
   * @param resume waits for the call's next turn (the face's Turns). A handler that waited
   * for the disk (a group commit's fdatasync) resumes with every call of its group in one
   * callback; each one's answer is encoded in a turn of its own instead of back to back.
   */
  constructor(
    private readonly face: Face,
    private readonly ops: Map<string, OperationDef>,
    private readonly table: OperationTable,
    private readonly resume: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async handle(r: SoapHttpRequest): Promise<SoapHttpResponse> {
    const started = process.hrtime.bigint();
    let version: SoapVersion = /application\/soap\+xml/i.test(r.contentType ?? '') ? '1.2' : '1.1';
    let op = '?';
    let session: string | undefined;
    // The call once made: what its handler reported for the log (arrays) also on a fault.
    let made: Call | undefined;
    try {
      const env = await readEnvelopeAsync(r.body, r.soapAction, r.contentType);
      version = env.version;
      op = (env.body?.local ?? env.action ?? '').replace(/^$/, '?');
      if (env.body && env.action && env.body.local !== env.action && env.body.local !== `${env.action}Request`) op = env.body.local;
      const def = this.ops.get(op);
      const entry: OpEntry | undefined = this.table[op as OperationName];
      if (!def) {
        const message = `Unknown operation "${op.slice(0, 64)}".`;
        return this.finish(started, op, session, 'unknown', this.plainFault(version, message, 500), { from: r.remoteAddress, fault: { message } });
      }
      // The WSDL defines op (def above); its request is filled in below when it has one.
      const call: Call = { face: this.face, op: op as OperationName, req: {}, clientCert: r.clientCert, certFingerprint: r.certFingerprint, remoteAddress: r.remoteAddress };
      made = call;
      if (!entry) {
        // Unsupported operations are still closed to strangers: they learn nothing.
        if (!this.face.sessions.peek(r.sessionId)) throw new VasaFault('InvalidSession', 'The session is missing, unknown or expired: call setContext first.', {}, true);
        throw new VasaFault('NotImplemented', `The operation ${op} is not supported by this provider.`);
      }
      if (!reachableWithoutSession(entry.auth)) {
        call.session = this.authorise(entry.auth, def, r);
        session = call.session.id;
      }
      if (def.input) {
        if (!env.body) throw new VasaFault('InvalidArgument', `The request has no ${op} element.`, {}, true);
        this.checkBatches(def, env.body);
        const decl = this.face.codec.schema.elements.get(key(def.input));
        if (!decl) throw new Error(`No schema element for ${op}`);
        // Decoded against the same schema the request types are generated from (typed-handlers.test.ts).
        call.req = this.face.codec.decodeComplex(env.body, decl.type, op) as Requests[OperationName];
      }
      const value = await this.run(entry, call);
      if (call.newSession) session = call.newSession.id;
      const out: string[] = [];
      if (def.output) {
        const decl = this.face.codec.schema.elements.get(key(def.output));
        if (!decl) throw new Error(`No schema element for ${op}Response`);
        this.face.codec.element(out, decl, value === undefined ? {} : { return: value });
      }
      const resp: SoapHttpResponse = { status: 200, contentType: contentType(version, `${op}Response`), body: envelope(version, out.join('')), sessionId: call.newSession?.id, op };
      return this.finish(started, op, session, 'ok', resp, { quiet: entry.quiet, arrays: call.arrays, from: r.remoteAddress });
    } catch (e) {
      const { resp, fault } = this.fault(version, op, e);
      return this.finish(started, op, session, 'fault', resp, { arrays: made?.arrays, from: r.remoteAddress, fault });
    }
  }

  /**
   * The session of a call that needs one: it must exist, be live, have been made with
   * the client certificate this connection presents, and that certificate must still be
   * trusted (unregistered, revoked or expired ends the session). Trust operations need
   * vCenter's session. A session presented on the wrong certificate is refused but left
   * alone: a stranger holding a copied cookie must not be able to end vCenter's session.
   */
  private authorise(auth: Auth, def: OperationDef, r: SoapHttpRequest): Session {
    const sessions = this.face.sessions;
    const s = sessions.peek(r.sessionId);
    if (!s) throw new VasaFault('InvalidSession', 'The session is missing, unknown or expired: call setContext first.', {}, true);
    if (s.certFingerprint !== r.certFingerprint) {
      this.face.log.warn(`vasa refused a session presented ${r.certFingerprint ? 'with another client certificate' : 'without a client certificate'} from ${r.remoteAddress ?? '?'} (session=${shortId(s.id)})`);
      throw new VasaFault('InvalidSession', 'The session was made on another client certificate: present the certificate it was made with, or call setContext.', {}, true);
    }
    if (r.clientCert) {
      const why = this.certificateProblem(r.clientCert);
      if (why) {
        sessions.remove(s);
        throw new VasaFault('InvalidSession', `The session ended: its client certificate is no longer accepted (${why}).`, {}, true);
      }
    }
    if (auth === 'vcenter' && s.kind !== 'vc') {
      const fault = def.faults.includes('PermissionDenied') ? 'PermissionDenied' : 'InvalidSession';
      throw new VasaFault(fault, `Only vCenter's session may call ${def.name}.`, {}, true);
    }
    sessions.touch(s.id);
    return s;
  }

  /** Why a session's certificate is no longer accepted, or undefined while it is. */
  private certificateProblem(pem: string): string | undefined {
    const v = this.face.certs.verifyClient(pem);
    return v.ok ? undefined : v.reason;
  }

  /**
   * maxBatchSize applies to every list in a request, queries too, before anything is
   * decoded: a list is a run of same-named children of the request element. Metadata
   * and certificate lists have their own, larger bounds.
   */
  private checkBatches(def: OperationDef, body: XmlNode): void {
    const max = this.face.opts.maxBatchSize;
    const counts = new Map<string, number>();
    for (const c of body.children) counts.set(c.local, (counts.get(c.local) ?? 0) + 1);
    for (const [name, n] of counts) {
      const limit = LIST_LIMITS[name] ?? max;
      if (n > limit) {
        // The first of these the operation's fault list names (certificate operations list InvalidCertificate).
        const fault = (['TooMany', 'InvalidArgument', 'InvalidCertificate'] as const).find((f) => def.faults.includes(f)) ?? 'InvalidArgument';
        throw new VasaFault(fault, `At most ${limit} ${name} per call (got ${n}).`, fault === 'TooMany' ? { maxBatchSize: max } : {}, true);
      }
    }
  }

  /**
   * Runs a handler. Admission control (the provider-wide bound and the session's own
   * limit) is applied earlier, by the HTTP layer, from the request's arrival to the end
   * of its response: handlers run synchronously up to a wait for I/O (the asynchronous
   * ones below), so only there do calls overlap.
   */
  private async run(entry: OpEntry, call: Call): Promise<unknown> {
    const value = entry.handler(call);
    if (!(value instanceof Promise)) return value;
    // Only binds, unbinds and certificate changes are asynchronous: they waited for I/O.
    const settled = await value;
    await this.resume();
    return settled;
  }

  /**
   * The answer for a call refused before its body was read (no session for an
   * operation that needs one; admission control): the SOAP version comes from the
   * Content-Type, the operation (for the log and the fault list) from the action.
   * VasaProviderBusy is sent as such whatever the operation's fault list says (the wire
   * reference: a setContext storm after a restart must get VasaProviderBusy, fast).
   */
  refuse(contentTypeHeader: string | undefined, soapAction: string | undefined, fault: 'InvalidSession' | 'VasaProviderBusy', message: string, remoteAddress?: string, session?: string): SoapHttpResponse {
    const started = process.hrtime.bigint();
    const version: SoapVersion = /application\/soap\+xml/i.test(contentTypeHeader ?? '') ? '1.2' : '1.1';
    const op = actionFrom(soapAction, contentTypeHeader) ?? '?';
    const raw = new VasaFault(fault, message, {}, fault === 'InvalidSession');
    const f = fault === 'VasaProviderBusy' ? raw : allowed(raw, this.ops.get(op)?.faults ?? ['InvalidSession']);
    const body = faultEnvelope(version, f.message, faultDetail(this.face.codec, f), f.sender);
    return this.finish(started, op, session, fault === 'VasaProviderBusy' ? 'busy' : 'refused', { status: 500, contentType: contentType(version), body, op }, { from: remoteAddress, fault: { name: f.fault, message: f.message } });
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

  /** The response for a failed call, and the fault it carries (what the log line says). */
  private fault(version: SoapVersion, op: string, e: unknown): { resp: SoapHttpResponse; fault: LoggedFault } {
    try {
      if (e instanceof EnvelopeError) return { resp: this.plainFault(e.version, e.message, 400), fault: { message: e.message } };
      const def = this.ops.get(op);
      const f = allowed(this.toFault(e), def?.faults ?? ['StorageFault']);
      const body = faultEnvelope(version, f.message, faultDetail(this.face.codec, f), f.sender);
      return { resp: { status: 500, contentType: contentType(version), body, op }, fault: { name: f.fault, message: f.message } };
    } catch (inner) {
      this.face.log.error(`fault rendering failed: ${(inner as Error)?.stack ?? inner}`);
      const message = 'The provider failed unexpectedly.';
      return { resp: this.plainFault(version, message, 500), fault: { message } };
    }
  }

  /** A fault with no VASA detail: for requests that are not VASA calls at all. */
  private plainFault(version: SoapVersion, message: string, status: number): SoapHttpResponse {
    return { status, contentType: contentType(version), body: faultEnvelope(version, message, '', true) };
  }

  /**
   * The one log line of a call. The arrays are those the handler reported from what its
   * engine call read (nothing is looked up for the log); a fault is logged from the
   * fault object sent, by name and message, never read back out of the rendered XML.
   */
  private finish(started: bigint, op: string, session: string | undefined, outcome: string, resp: SoapHttpResponse, o: LogNotes = {}): SoapHttpResponse {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const level = outcome === 'ok' ? (o.quiet ? 'debug' : 'info') : resp.status >= 500 && outcome !== 'fault' && outcome !== 'refused' ? 'warn' : 'info';
    const arrays = o.arrays?.length ? o.arrays.join(',') : '-';
    const f = o.fault ? `: ${o.fault.name ? `${o.fault.name}: ` : ''}${o.fault.message}` : '';
    this.face.log.log(level, `vasa ${op} session=${shortId(session)} from=${o.from ?? '-'} array=${arrays} ${ms.toFixed(1)}ms ${outcome}${f}`);
    return resp;
  }
}
