'use strict';
/**
 * The second anchor (issue 12): what a user would build instead of this provider with the
 * ecosystem's usual SOAP server, node-soap (`soap`, a devDependency) on an Express app,
 * in its own process with the provider's TLS key and certificate and the baseline's TLS
 * settings (client certificate requested, not verified in the handshake; TLS 1.2+; same
 * keep-alive timeout). It serves our wsdl/vasaService.wsdl at the provider's service
 * path (the WSDL's first port, SOAP 1.1; node-soap serves one SOAP version per path) and
 * implements two operations with node-soap's defaults (its parser, its schema-driven
 * serializer, chunked answers):
 * - setContext: a VasaProviderInfo like the provider's and a VASASESSIONID cookie (new
 *   id per call), enough for the load generator; no certificate or session checks.
 * - queryVirtualVolumeInfo: each VVol from an in-memory map filled at start (no store,
 *   no session check, no authentication, no per-call log line), answered as our WSDL
 *   says (vvol:VirtualVolumeInfo: data:uniqueIdentifier, vvol:metadata, vvol:vvolId; the
 *   prefixes are named in the answer objects, see NS_ATTRS); an unknown id is a StorageFault (HTTP 500) like the provider's NOT_FOUND.
 * Every other operation gets node-soap's own fault. GET /version.xml and GET /health as
 * the baseline server has them.
 * Usage: node soap-anchor-server.js <port> <keyFile> <certFile> <vvols.json>
 *   vvols.json = { "<vvolId>": { "<parameterName>": "<parameterValue>", … }, … }
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const express = require('express');
const soap = require('soap');

const ROOT = path.resolve(__dirname, '..', '..');
const WSDL_FILE = path.join(ROOT, 'wsdl', 'vasaService.wsdl');
// src/vasa/http/documents.ts SERVICE_PATH (the bench's client posts there too).
const { SERVICE_PATH } = require('./soap-client');

const [port, keyFile, certFile, vvolsFile] = process.argv.slice(2);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const started = Date.now();

const FAULT_NS = 'http://fault.vasa.vim.vmware.com/xsd';
const VASA_NS = 'http://com.vmware.vim.vasa/2.0/xsd';
const DATA_NS = 'http://data.vasa.vim.vmware.com/xsd';
const VVOL_NS = 'http://vvol.data.vasa.vim.vmware.com/xsd';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
// node-soap's server does not take a document-style answer's element namespaces from the
// schema: it writes every element in the operation's namespace (vasa:). So the answer
// objects name the prefix of each element as our WSDL has it (data:, vvol:), and the
// answer element declares the two prefixes: what a node-soap user has to do for this WSDL.
const NS_ATTRS = { 'xmlns:data': DATA_NS, 'xmlns:vvol': VVOL_NS };

// id -> the answer object node-soap serializes (built once: the map is the "store").
const vvols = new Map();
for (const [id, md] of Object.entries(JSON.parse(fs.readFileSync(vvolsFile, 'utf8')))) {
  vvols.set(id, {
    'data:uniqueIdentifier': id,
    'vvol:metadata': Object.keys(md).sort().map((k) => ({ 'data:parameterName': k, 'data:parameterValue': md[k] })),
    'vvol:vvolId': id,
  });
}
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function notFound(id) {
  const message = `The specified ${id} does not exist.`;
  // node-soap does not type a fault's <detail> from the WSDL: give it as raw XML.
  return {
    Fault: {
      faultcode: 'soap:Server',
      faultstring: message,
      detail: { $xml: `<vasa:StorageFault xmlns:vasa="${VASA_NS}" xmlns:fault="${FAULT_NS}" xmlns:data="${DATA_NS}" xmlns:xsi="${XSI_NS}"><vasa:StorageFault xsi:type="fault:StorageFault"><fault:faultMessageId>Fault.StorageFault.NOT_FOUND</fault:faultMessageId><fault:parameterList><data:parameterName>message</data:parameterName><data:parameterValue>${esc(message)}</data:parameterValue></fault:parameterList></vasa:StorageFault></vasa:StorageFault>` },
      statusCode: 500,
    },
  };
}

const uid = crypto.randomUUID();
let sessions = 0;
const port11 = {
  setContext(_args, _cb, _headers, _req, res) {
    const sessionId = crypto.randomBytes(24).toString('hex');
    sessions++;
    res.setHeader('Set-Cookie', `VASASESSIONID=${sessionId}; Path=/; Secure; HttpOnly`);
    return {
      attributes: NS_ATTRS,
      return: {
        'data:defaultNamespace': 'com.nec.jp.ism.vasaprovider',
        'data:defaultSessionTimeoutInSeconds': 1800,
        'data:maxBatchSize': 64,
        'data:maxConcurrentRequestsPerSession': 16,
        'data:name': 'node-soap anchor (bench)',
        'data:needsExplicitActivation': false,
        'data:retainVasaProviderCertificate': false,
        'data:sessionId': sessionId,
        'data:supportedProfile': ['ProfileBasedManagementProfile'],
        'data:supportedVendorModel': [{ 'data:modelId': 'M510', 'data:vendorId': 'NEC' }],
        'data:uid': uid,
        'data:vasaApiVersion': '2.0',
        'data:vasaProviderVersion': '0.0.0-anchor',
      },
    };
  },

  queryVirtualVolumeInfo(args) {
    const ids = args && args.vvolId !== undefined ? [].concat(args.vvolId) : [];
    const out = [];
    for (const id of ids) {
      const v = vvols.get(String(id));
      if (!v) throw notFound(id);
      out.push(v);
    }
    return { attributes: NS_ATTRS, return: out };
  },
};

const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;
const app = express();
app.get(['/version.xml', '/vasa/version.xml'], (_req, res) => {
  res.type('application/xml').send(`<?xml version="1.0" encoding="UTF-8"?>\n<vasa-provider-info name="node-soap anchor"><supported-versions><version id="2.0"><supported-vasa-version>2.0</supported-vasa-version><url>https://127.0.0.1${SERVICE_PATH}</url></version></supported-versions></vasa-provider-info>\n`);
});
app.get('/health', (req, res) => {
  const m = process.memoryUsage();
  const out = {
    status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000), rssBytes: m.rss, heapUsedBytes: m.heapUsed, sessions, vvols: vvols.size,
    eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) },
  };
  if ('reset' in req.query) loop.reset();
  res.json(out);
});

const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, app);
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 120_000;

soap.listen(app, {
  path: SERVICE_PATH,
  // Both ports of our WSDL name the same address; node-soap binds the path to the first (SOAP 1.1).
  services: { vasaService: { vasaServiceHttpSoap11Endpoint: port11, vasaServiceHttpSoap12Endpoint: port11 } },
  xml: fs.readFileSync(WSDL_FILE, 'utf8'),
  uri: WSDL_FILE, // the schemas are imported by relative file name
  suppressStack: true,
  callback(err) {
    if (err) {
      process.stderr.write(`soap anchor: the WSDL did not load: ${err.stack || err}\n`);
      process.exit(1);
    }
    // node-soap adds its route once the WSDL is parsed: only then listen (the runner waits for /version.xml).
    app.use((_req, res) => res.status(404).type('text/plain').send('Not found\n'));
    server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port} (${vvols.size} VVols)\n`));
  },
});
process.on('SIGTERM', () => process.exit(0));
