'use strict';
/**
 * The baseline: a bare HTTPS server in its own process, with the provider's TLS key and
 * certificate (RSA 2048) and the same TLS settings (client certificate requested, not
 * verified in the handshake; TLS 1.2+; same keep-alive timeout), answering every POST
 * with a canned SOAP envelope of the size the client asks for in X-Bench-Bytes (the
 * size the provider answered that call with). It reads each request body fully, as
 * the provider does, and does nothing else. GET /version.xml and GET /health as the
 * provider has them.
 * Usage: node baseline-server.js <port> <keyFile> <certFile>
 */
const fs = require('node:fs');
const https = require('node:https');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const [port, keyFile, certFile] = process.argv.slice(2);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const started = Date.now();

const HEAD = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:vasa="http://com.vmware.vim.vasa/2.0/xsd"><soapenv:Body><vasa:cannedResponse><vasa:return>';
const TAIL = '</vasa:return></vasa:cannedResponse></soapenv:Body></soapenv:Envelope>';
const canned = new Map();
function body(bytes) {
  const n = Math.max(HEAD.length + TAIL.length, Math.min(bytes || 512, 16 * 1024 * 1024));
  let b = canned.get(n);
  if (!b) {
    b = Buffer.from(HEAD + 'x'.repeat(n - HEAD.length - TAIL.length) + TAIL, 'utf8');
    canned.set(n, b);
  }
  return b;
}
const VERSION_XML = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<vasa-provider-info name="baseline"><supported-versions><version id="2.0"><supported-vasa-version>2.0</supported-vasa-version><url>https://127.0.0.1/vasa/services/vasaService</url></version></supported-versions></vasa-provider-info>\n');
let sessions = 0;

const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;

const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && (req.url === '/version.xml' || req.url === '/vasa/version.xml')) {
      res.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': VERSION_XML.length });
      return res.end(VERSION_XML);
    }
    if (req.method === 'GET' && req.url.startsWith('/health')) {
      const m = process.memoryUsage();
      const out = Buffer.from(JSON.stringify({
        status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000), rssBytes: m.rss, heapUsedBytes: m.heapUsed,
        eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) },
      }));
      if (req.url.includes('reset=1')) loop.reset();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': out.length });
      return res.end(out);
    }
    if (req.method !== 'POST') {
      res.writeHead(404);
      return res.end();
    }
    const b = body(Number(req.headers['x-bench-bytes']));
    const headers = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': b.length };
    if (/setContext/.test(String(req.headers.soapaction || ''))) headers['Set-Cookie'] = `VASASESSIONID=${(++sessions).toString(16).padStart(48, '0')}; Path=/; Secure; HttpOnly`;
    res.writeHead(200, headers);
    res.end(b);
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 120_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
