/**
 * The management screens' files: a fixed list, read once at start into memory (no path
 * from a request ever reaches the file system). They live in src/web/static/ and are
 * found from the source (ts-jest) and from the build (dist/web/ -> ../../src/web/static,
 * as a fresh clone plus `npm run build` has it). Chart.js comes from its npm package:
 * the machines this runs on have no internet, so nothing is loaded from a CDN.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface StaticFile {
  body: Buffer;
  type: string;
  /** Served without a session (the login page and what it needs). */
  public: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** URL path under /ui -> file in the static folder, and whether it is public. */
const FILES: Record<string, { file: string; public: boolean }> = {
  '/login': { file: 'login.html', public: true },
  '/login.js': { file: 'login.js', public: true },
  '/style.css': { file: 'style.css', public: true },
  '/': { file: 'app.html', public: false },
  '/app.js': { file: 'app.js', public: false },
  '/api.js': { file: 'api.js', public: false },
  '/dialogs.js': { file: 'dialogs.js', public: false },
  '/format.js': { file: 'format.js', public: false },
  '/screens-vms.js': { file: 'screens-vms.js', public: false },
  '/screens-arrays.js': { file: 'screens-arrays.js', public: false },
  '/screens-scheduler.js': { file: 'screens-scheduler.js', public: false },
};

export function staticDir(): string {
  const candidates = [path.join(__dirname, 'static'), path.resolve(__dirname, '..', '..', 'src', 'web', 'static')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'app.html')));
  if (!found) throw new Error(`the management screens' files are missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** chart.js's browser build, from node_modules (its package exports do not name the file, so it is found beside the main entry). */
export function chartJsFile(): string {
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

export function loadStaticFiles(dir = staticDir()): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  for (const [url, f] of Object.entries(FILES)) {
    out.set(url, { body: fs.readFileSync(path.join(dir, f.file)), type: TYPES[path.extname(f.file)], public: f.public });
  }
  out.set('/vendor/chart.umd.min.js', { body: fs.readFileSync(chartJsFile()), type: TYPES['.js'], public: false });
  return out;
}
