/**
 * The documents served without a session: version.xml (registration), the WSDL and its
 * schemas (pointing at this server), the message catalogs queryCatalog names.
 */
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';
import { catalog } from '../catalog';
import type { FaceOptions } from '../face';
import { WSDL_DIR } from '../soap/wsdl';
import { versionXml } from '../version-xml';

export const SERVICE_PATH = '/vasa/services/vasaService';

/** Where version.xml is served (vCenter registers the first). */
export const VERSION_PATHS: readonly string[] = ['/version.xml', '/vasa/version.xml'];

/** version.xml of this provider (its service URL follows the face's base URL). */
export function versionXmlText(faceOpts: FaceOptions): string {
  return versionXml([{ id: '2.0', url: `${faceOpts.baseUrl}${SERVICE_PATH}` }], faceOpts.name);
}

export function documentRoutes(app: express.Express, faceOpts: FaceOptions): void {
  const wsdlText = () => {
    const base = faceOpts.baseUrl;
    return fs.readFileSync(path.join(WSDL_DIR, 'vasaService.wsdl'), 'utf8')
      .replace(/location="[^"]*"/g, `location="${base}${SERVICE_PATH}"`)
      .replace(/schemaLocation="([A-Za-z0-9_.-]+\.xsd)"/g, `schemaLocation="${base}${SERVICE_PATH}?xsd=$1"`);
  };
  const xsdText = (name: string) => {
    if (!/^[A-Za-z0-9_.-]+\.xsd$/.test(name) || !fs.existsSync(path.join(WSDL_DIR, name))) return undefined;
    return fs.readFileSync(path.join(WSDL_DIR, name), 'utf8').replace(/schemaLocation="([A-Za-z0-9_.-]+\.xsd)"/g, `schemaLocation="${faceOpts.baseUrl}${SERVICE_PATH}?xsd=$1"`);
  };
  app.get([...VERSION_PATHS], (_req, res) => { res.type('application/xml').send(versionXmlText(faceOpts)); });
  app.get(SERVICE_PATH, (req, res) => {
    if ('wsdl' in req.query || 'WSDL' in req.query) return void res.type('text/xml').send(wsdlText());
    const x = typeof req.query.xsd === 'string' ? xsdText(req.query.xsd) : undefined;
    if (x) return void res.type('text/xml').send(x);
    res.status(404).type('text/plain').send('Ask for ?wsdl, or POST a SOAP request.\n');
  });
  app.get(`${path.posix.dirname(SERVICE_PATH)}/:file`, (req, res) => {
    const x = xsdText(String(req.params.file));
    if (x) res.type('text/xml').send(x);
    else res.status(404).type('text/plain').send('Not found\n');
  });
  app.get('/catalog/:locale/:name.vmsg', (req, res) => {
    const text = req.params.locale === 'en' ? catalog(String(req.params.name)) : undefined;
    if (text) res.type('text/plain; charset=utf-8').send(text);
    else res.status(404).type('text/plain').send('No such catalog\n');
  });
}
