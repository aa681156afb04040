/**
 * A small vim25 client: the calls the provider needs, named as on the wire
 * (RetrieveServiceContent, Login, Logout, CreateContainerView, DestroyView,
 * RetrievePropertiesEx, ContinueRetrievePropertiesEx, FindByUuid, PowerOffVM_Task),
 * each one SOAP 1.1 POST to /sdk with the session cookie.
 *
 * Sessions: Login's answer sets the vmware_soap_session cookie, sent with every later
 * call. vCenter ends idle sessions (30 minutes by default) and forgets them when it
 * restarts; a call then fails with NotAuthenticated. `withSession` runs a whole
 * operation (which may hold objects of the session, like a ContainerView) and, when it
 * fails so, logs in again once and runs it again from the start.
 *
 * The password is asked for (`password()`) at each Login only and goes into the Login
 * body and nowhere else: not into a message, a log line or an error.
 */
import { messageOf, isNotAuthenticated, VCenterError } from './errors';
import { where } from './messages';
import { DEFAULT_TRANSPORT, Endpoint, HttpsTransport, TransportOptions } from './transport';
import { child, children, el, envelope, MoRef, moRefOf, parseVim, ref, SOAP_ENV, VimNode, xsiTypeOf } from './xml';

/** The API version asked for (SOAPAction "urn:vim25/<version>"): every call used here exists since 4.1. */
export const API_VERSION = '6.5';

export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  searchIndex: MoRef;
  apiVersion: string;
  /** vCenter's own instance UUID. */
  instanceUuid: string;
}

/** One object of a PropertyCollector answer: its reference and the properties asked for, by path. */
export interface ObjectContent {
  obj: MoRef;
  props: Map<string, VimNode>;
  /** Paths vCenter could not read (unset properties, an inaccessible VM's config). */
  missing: string[];
}

export interface VimClientOptions {
  endpoint: Endpoint;
  user: string;
  /** The SSO password in clear, asked for at each login. */
  password: () => string;
  transport?: TransportOptions;
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };

/** The fault of a SOAP answer, or undefined. vim25 puts the fault's type as xsi:type on the detail's element. */
function faultOf(body: VimNode | undefined): { type: string; message: string } | undefined {
  const f = child(body, 'Fault');
  if (!f) return undefined;
  const detail = child(f, 'detail')?.children[0];
  const type = detail ? xsiTypeOf(detail) ?? detail.local.replace(/Fault$/, '') : 'SoapFault';
  return { type, message: child(f, 'faultstring')?.text.trim() ?? '' };
}

export class VimClient {
  private readonly transport: HttpsTransport;
  private cookie?: string;
  private content?: ServiceContent;
  /** Logins made (tests and `status` see re-logins). */
  logins = 0;

  constructor(private readonly o: VimClientOptions) {
    this.transport = new HttpsTransport(o.endpoint, o.transport ?? DEFAULT_TRANSPORT);
  }

  get endpoint(): Endpoint {
    return this.o.endpoint;
  }

  private get at(): string {
    return where(this.o.endpoint.host, this.o.endpoint.port);
  }

  get loggedIn(): boolean {
    return this.cookie !== undefined;
  }

  /** One call: the method's response element, or a VCenterError (fault, protocol). */
  async call(method: string, body: string): Promise<VimNode> {
    const answer = await this.transport.post(envelope(method, body), `"urn:vim25/${API_VERSION}"`, this.cookie);
    if (answer.sessionCookie) this.cookie = answer.sessionCookie;
    let root: VimNode;
    try {
      root = await parseVim(answer.body);
    } catch (e) {
      throw new VCenterError('protocol', `${this.at} answered ${method} with HTTP ${answer.status} and no vim25 SOAP answer (${messageOf(e)}); is it a vCenter Server?`, undefined, { cause: e });
    }
    const soapBody = root.ns === SOAP_ENV && root.local === 'Envelope' ? child(root, 'Body') : undefined;
    if (!soapBody) throw new VCenterError('protocol', `${this.at} answered ${method} with HTTP ${answer.status} and no SOAP envelope; is it a vCenter Server?`);
    const fault = faultOf(soapBody);
    if (fault) {
      if (fault.type === 'InvalidLogin') throw new VCenterError('login', `vCenter Server ${this.at} refused the user name or password of "${this.o.user}" (InvalidLogin).`, fault.type);
      if (fault.type === 'NotAuthenticated') this.cookie = undefined;
      throw new VCenterError('fault', `vCenter Server ${this.at} answered ${method} with the fault ${fault.type}${fault.message ? `: ${fault.message}` : ''}.`, fault.type);
    }
    const response = child(soapBody, `${method}Response`);
    if (!response) throw new VCenterError('protocol', `${this.at} answered ${method} without a ${method}Response.`);
    return response;
  }

  async serviceContent(): Promise<ServiceContent> {
    if (this.content) return this.content;
    const rv = child(await this.call('RetrieveServiceContent', ref('_this', SERVICE_INSTANCE)), 'returnval');
    const need = (name: string): MoRef => {
      const r = moRefOf(child(rv, name));
      if (!r) throw new VCenterError('protocol', `${this.at} answered RetrieveServiceContent without ${name}: is it a vCenter Server?`);
      return r;
    };
    const about = child(rv, 'about');
    this.content = {
      rootFolder: need('rootFolder'), propertyCollector: need('propertyCollector'), viewManager: need('viewManager'),
      sessionManager: need('sessionManager'), searchIndex: need('searchIndex'),
      apiVersion: child(about, 'apiVersion')?.text ?? '', instanceUuid: child(about, 'instanceUuid')?.text ?? '',
    };
    return this.content;
  }

  async login(): Promise<void> {
    const sc = await this.serviceContent();
    this.cookie = undefined;
    // The only place the password is read: straight into the Login body.
    await this.call('Login', `${ref('_this', sc.sessionManager)}${el('userName', this.o.user)}${el('password', this.o.password())}`);
    this.logins++;
    if (!this.cookie) throw new VCenterError('protocol', `vCenter Server ${this.at} accepted the login but set no ${'vmware_soap_session'} cookie.`);
  }

  /** Ends the session; best effort (the session may be gone already). */
  async logout(): Promise<void> {
    if (!this.cookie || !this.content) return;
    try {
      await this.call('Logout', ref('_this', this.content.sessionManager));
    } catch {
      /* the session ends anyway */
    } finally {
      this.cookie = undefined;
    }
  }

  /** Runs `op` in a session: logs in when there is none, and once more when vCenter no longer knows it. */
  async withSession<T>(op: () => Promise<T>): Promise<T> {
    if (!this.cookie) await this.login();
    try {
      return await op();
    } catch (e) {
      if (!isNotAuthenticated(e)) throw e;
      await this.login();
      return op();
    }
  }

  // ---- the PropertyCollector ----------------------------------------------------------------

  async createContainerView(container: MoRef, types: string[], recursive: boolean): Promise<MoRef> {
    const sc = await this.serviceContent();
    const rv = moRefOf(child(await this.call('CreateContainerView', `${ref('_this', sc.viewManager)}${ref('container', container)}${types.map((t) => el('type', t)).join('')}${el('recursive', recursive)}`), 'returnval'));
    if (!rv) throw new VCenterError('protocol', `${this.at} answered CreateContainerView without a view.`);
    return rv;
  }

  async destroyView(view: MoRef): Promise<void> {
    try {
      await this.call('DestroyView', ref('_this', view));
    } catch {
      /* a view dies with its session anyway */
    }
  }

  /**
   * RetrievePropertiesEx, then ContinueRetrievePropertiesEx while vCenter hands a token:
   * every object of `specSet` (a PropertyFilterSpec's content, already written).
   */
  async retrieve(specSet: string, maxObjects = 1000): Promise<ObjectContent[]> {
    const sc = await this.serviceContent();
    const out: ObjectContent[] = [];
    let rv = child(await this.call('RetrievePropertiesEx', `${ref('_this', sc.propertyCollector)}<specSet>${specSet}</specSet><options>${el('maxObjects', maxObjects)}</options>`), 'returnval');
    for (;;) {
      for (const o of children(rv, 'objects')) out.push(objectContent(o));
      const token = child(rv, 'token')?.text;
      if (!token) return out;
      rv = child(await this.call('ContinueRetrievePropertiesEx', `${ref('_this', sc.propertyCollector)}${el('token', token)}`), 'returnval');
    }
  }

  /** The VM with this instance UUID (SearchIndex.FindByUuid), or undefined. */
  async findVmByInstanceUuid(uuid: string): Promise<MoRef | undefined> {
    const sc = await this.serviceContent();
    const r = await this.call('FindByUuid', `${ref('_this', sc.searchIndex)}${el('uuid', uuid)}${el('vmSearch', true)}${el('instanceUuid', true)}`);
    return moRefOf(child(r, 'returnval'));
  }

  async powerOffVmTask(vm: MoRef): Promise<MoRef> {
    const task = moRefOf(child(await this.call('PowerOffVM_Task', ref('_this', vm)), 'returnval'));
    if (!task) throw new VCenterError('protocol', `${this.at} answered PowerOffVM_Task without a task.`);
    return task;
  }

  /** Ends the calls in progress at once (their connections are closed): a stopping daemon does not wait for vCenter. */
  abort(): void {
    this.transport.close();
  }

  /** Logs out (waiting at most `graceMs` for vCenter) and closes the connection. */
  async close(graceMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    try {
      await Promise.race([this.logout(), late]);
    } finally {
      clearTimeout(timer);
      this.transport.close();
    }
  }
}

function objectContent(o: VimNode): ObjectContent {
  const obj = moRefOf(child(o, 'obj')) ?? { type: '', value: '' };
  const props = new Map<string, VimNode>();
  for (const p of children(o, 'propSet')) {
    const name = child(p, 'name')?.text;
    const val = child(p, 'val');
    if (name !== undefined && val) props.set(name, val);
  }
  const missing = children(o, 'missingSet').map((m) => child(m, 'path')?.text ?? '').filter(Boolean);
  return { obj, props, missing };
}

/** A property selection (PropertySpec) of one type: <propSet><type/><all>false</all><pathSet/>...</propSet>. */
export function propSet(type: string, paths: string[]): string {
  return `<propSet>${el('type', type)}${el('all', false)}${paths.map((p) => el('pathSet', p)).join('')}</propSet>`;
}

/** Every object of a ContainerView (ObjectSpec with the view traversal). */
export function viewObjects(view: MoRef): string {
  return `<objectSet>${ref('obj', view)}${el('skip', true)}<selectSet xsi:type="TraversalSpec">${el('name', 'view')}${el('type', 'ContainerView')}${el('path', 'view')}${el('skip', false)}</selectSet></objectSet>`;
}

/** One object itself. */
export function oneObject(obj: MoRef): string {
  return `<objectSet>${ref('obj', obj)}${el('skip', false)}</objectSet>`;
}
