'use strict';
/**
 * The load generator's VASA client: one simulated ESXi host (or vCenter) per object,
 * each with its own keep-alive HTTPS agent (client certificate on every connection,
 * at most `sockets` connections = outstanding calls) and its own VASASESSIONID cookie.
 * Requests are SOAP 1.1 envelopes as vvold/SMS send them; answers are read as text
 * and only the few values the bench needs are picked out.
 */
const https = require('node:https');

const SERVICE_PATH = '/vasa/services/vasaService';
const NS = {
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  vasa: 'http://com.vmware.vim.vasa/2.0/xsd',
  data: 'http://data.vasa.vim.vmware.com/xsd',
  vvol: 'http://vvol.data.vasa.vim.vmware.com/xsd',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function envelope(op, inner) {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${NS.soap11}" xmlns:vasa="${NS.vasa}" xmlns:data="${NS.data}" xmlns:vvol="${NS.vvol}" xmlns:xsi="${NS.xsi}"><soapenv:Body><vasa:${op}>${inner}</vasa:${op}></soapenv:Body></soapenv:Envelope>`;
}

const now = () => performance.now();
/** Wall-clock epoch milliseconds with sub-millisecond resolution (comparable across processes). */
const epochMs = () => performance.timeOrigin + performance.now();

class TransportError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/**
 * One client of the provider (an ESXi host or a vCenter).
 * target = { port, host?: '127.0.0.1' }; tls = { cert, key }.
 */
class VasaClient {
  constructor(target, tls, o = {}) {
    this.target = target;
    this.name = o.name || 'client';
    this.guid = o.guid;
    this.iqn = o.iqn;
    this.vc = !!o.vc;
    this.timeoutMs = o.timeoutMs || 30_000;
    this.cookie = undefined;
    this.lastEventId = -1;
    this.lastAlarmId = -1;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: o.sockets || 5, cert: tls.cert, key: tls.key, rejectUnauthorized: false });
    /** TLS handshakes of this client's connections: full, and resumed from a session ticket. */
    this.handshakes = { full: 0, resumed: 0 };
  }

  close() {
    this.agent.destroy();
  }

  /**
   * Posts one operation. Resolves { status, ms, bytes, body, fault } (fault: the VASA
   * fault name of a SOAP fault); rejects with TransportError on timeout or a broken connection.
   * cannedBytes: size the bare baseline server answers with (ignored by the provider).
   */
  call(op, inner = '', cannedBytes = 0) {
    const body = envelope(op, inner);
    const headers = {
      'Content-Type': 'text/xml; charset=utf-8',
      SOAPAction: `"urn:${op}"`,
      'Content-Length': Buffer.byteLength(body),
      'X-Bench-Bytes': String(cannedBytes || 0),
    };
    if (this.cookie) headers.Cookie = this.cookie;
    const started = now();
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.target.host || '127.0.0.1', port: this.target.port, path: SERVICE_PATH, method: 'POST', headers, agent: this.agent, timeout: this.timeoutMs,
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          const text = buf.toString('utf8');
          const set = res.headers['set-cookie'];
          if (set) {
            for (const c of Array.isArray(set) ? set : [set]) {
              const m = /^(VASASESSIONID=[^;]+)/.exec(c);
              if (m) this.cookie = m[1];
            }
          }
          let fault;
          if (res.statusCode !== 200) {
            const m = /xsi:type="fault:(\w+)"/.exec(text) || /<(?:\w+:)?(VasaProviderBusy|InvalidSession|StorageFault)\b/.exec(text);
            fault = m ? m[1] : `HTTP${res.statusCode}`;
          }
          resolve({ status: res.statusCode, ms: now() - started, bytes: buf.length, body: text, fault });
        });
        res.on('error', (e) => reject(new TransportError(e.message, 'RESPONSE')));
      });
      req.on('socket', (sock) => {
        if (sock.connecting || !sock.encrypted || sock.pending) sock.once('secureConnect', () => { this.handshakes[sock.isSessionReused() ? 'resumed' : 'full']++; });
      });
      req.on('timeout', () => req.destroy(new TransportError(`timeout after ${this.timeoutMs} ms`, 'TIMEOUT')));
      req.on('error', (e) => reject(e instanceof TransportError ? e : new TransportError(e.message, e.code || 'ERROR')));
      req.end(body);
    });
  }

  usageContext() {
    if (this.vc) return `<vasa:usageContext><data:vcGuid>${esc(this.guid)}</data:vcGuid></vasa:usageContext>`;
    return `<vasa:usageContext><data:hostGuid>${esc(this.guid)}</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>${esc(this.iqn)}</data:uniqueIdentifier><data:iscsiIdentifier>${esc(this.iqn)}</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>`;
  }

  setContext(cannedBytes = 0) {
    return this.call('setContext', this.usageContext(), cannedBytes);
  }
}

/** The ids of the items of a getEvents/getAlarms answer; the largest one, or the given fallback. */
function lastId(body, local, fallback) {
  let max = fallback;
  const re = new RegExp(`<(?:\\w+:)?${local}>(\\d+)</(?:\\w+:)?${local}>`, 'g');
  for (let m = re.exec(body); m; m = re.exec(body)) max = Math.max(max, Number(m[1]));
  return max;
}

function count(body, re) {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(body)) n++;
  return n;
}

module.exports = { VasaClient, TransportError, envelope, esc, lastId, count, epochMs, now, SERVICE_PATH };
