/**
 * A newcomer's `npm test` (issue 9): scripts/test-prerequisites.sh, npm test's pretest
 * step, installs xmllint and python3-zeep as root with apt-get, and otherwise names in
 * one line what to install; the interop suites say in one line why zeep cannot run,
 * not with a bare Python traceback. The programs are replaced through the script's
 * VVOL_TEST_* variables, so nothing here depends on what this machine has.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/fixture';
import { flowFailure, zeepProblem } from './run-flow';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'test-prerequisites.sh');

let dir: string;
beforeEach(() => {
  dir = tempDir('prereq-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function program(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A python whose `import zeep` works once `marker` exists. */
const python = (marker: string) => program('python3', `[ "$1" = "-c" ] && [ "$2" = "import zeep" ] && [ -e "${marker}" ]`);

/** Go, govmomi's source and Chromium present, unless a test says otherwise. */
function others(): Record<string, string> {
  const govmomi = path.join(dir, 'govmomi');
  fs.mkdirSync(govmomi, { recursive: true });
  return { VVOL_TEST_GO: program('go', 'true'), VVOL_TEST_GOVMOMI: govmomi, VVOL_TEST_CHROMIUM: program('chromium', 'true') };
}

function run(env: Record<string, string>) {
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...others(), ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.split('\n').filter(Boolean) };
}

test('package.json runs the script before the tests', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.pretest).toBe('bash scripts/test-prerequisites.sh');
});

test('with xmllint and zeep there: silent, exit 0', () => {
  const marker = program('zeep-present', 'true');
  const r = run({ VVOL_TEST_XMLLINT: program('xmllint', 'true'), VVOL_TEST_PYTHON: python(marker), VVOL_TEST_UID: '1000' });
  expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
});

test('not root: one line naming exactly what is missing and the apt-get command, exit 1', () => {
  const xmllint = program('xmllint', 'true');
  const py = python(path.join(dir, 'never'));
  const zeepOnly = run({ VVOL_TEST_XMLLINT: xmllint, VVOL_TEST_PYTHON: py, VVOL_TEST_UID: '1000', VVOL_TEST_APT_GET: program('apt-get', 'exit 99') });
  expect(zeepOnly.status).toBe(1);
  expect(zeepOnly.lines).toEqual([`npm test needs zeep for ${py}: run 'sudo apt-get install python3-zeep', then npm test again.`]);
  const both = run({ VVOL_TEST_XMLLINT: path.join(dir, 'no-xmllint'), VVOL_TEST_PYTHON: path.join(dir, 'no-python3'), VVOL_TEST_UID: '1000', VVOL_TEST_APT_GET: program('apt-get', 'exit 99') });
  expect(both.status).toBe(1);
  expect(both.lines).toEqual([`npm test needs ${dir}/no-xmllint, zeep for ${dir}/no-python3: run 'sudo apt-get install libxml2-utils python3-zeep', then npm test again.`]);
});

test('root without apt-get: one line naming the packages, exit 1', () => {
  const r = run({ VVOL_TEST_XMLLINT: path.join(dir, 'no-xmllint'), VVOL_TEST_PYTHON: program('python3', 'true'), VVOL_TEST_UID: '0', VVOL_TEST_APT_GET: path.join(dir, 'no-apt-get') });
  expect(r.status).toBe(1);
  expect(r.lines).toEqual([`npm test needs ${dir}/no-xmllint (Debian packages: libxml2-utils): install them with your system's package manager, then run npm test again.`]);
});

test('root with apt-get: updates, installs exactly what is missing without questions, then passes', () => {
  const xmllint = path.join(dir, 'xmllint');
  const marker = path.join(dir, 'zeep-installed');
  const calls = path.join(dir, 'calls');
  const aptGet = program('apt-get', [
    `echo "$DEBIAN_FRONTEND $*" >> ${calls}`,
    `if [ "$1" = install ]; then printf '#!/bin/sh\\n' > ${xmllint}; chmod +x ${xmllint}; touch ${marker}; fi`,
  ].join('\n'));
  const r = run({ VVOL_TEST_XMLLINT: xmllint, VVOL_TEST_PYTHON: python(marker), VVOL_TEST_UID: '0', VVOL_TEST_APT_GET: aptGet });
  expect(r.status).toBe(0);
  expect(r.lines).toEqual(['test-prerequisites: installing libxml2-utils python3-zeep (apt-get)']);
  expect(fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean)).toEqual([
    ' update -qq',
    'noninteractive install -y -qq --no-install-recommends libxml2-utils python3-zeep',
  ]);
});

test('root with apt-get that cannot install: the one line, exit 1', () => {
  const aptGet = program('apt-get', '[ "$1" = update ] || { echo "E: Unable to locate package python3-zeep" >&2; exit 100; }');
  const py = python(path.join(dir, 'never'));
  const r = run({ VVOL_TEST_XMLLINT: program('xmllint', 'true'), VVOL_TEST_PYTHON: py, VVOL_TEST_UID: '0', VVOL_TEST_APT_GET: aptGet });
  expect(r.status).toBe(1);
  expect(r.lines).toEqual([
    'test-prerequisites: installing python3-zeep (apt-get)',
    'E: Unable to locate package python3-zeep',
    `npm test needs zeep for ${py}: run 'sudo apt-get install python3-zeep', then npm test again.`,
  ]);
});

test('the vCenter simulator and browser packages: named and installed like the others', () => {
  const r = run({
    VVOL_TEST_XMLLINT: program('xmllint', 'true'), VVOL_TEST_PYTHON: python(program('zeep-present', 'true')), VVOL_TEST_UID: '1000',
    VVOL_TEST_GO: path.join(dir, 'no-go'), VVOL_TEST_GOVMOMI: path.join(dir, 'no-govmomi'), VVOL_TEST_CHROMIUM: path.join(dir, 'no-chromium'),
    VVOL_TEST_APT_GET: program('apt-get', 'exit 99'),
  });
  expect(r.status).toBe(1);
  expect(r.lines).toEqual([
    `npm test needs ${dir}/no-go, govmomi's source (${dir}/no-govmomi), ${dir}/no-chromium: run 'sudo apt-get install golang-go golang-github-vmware-govmomi-dev chromium', then npm test again.`,
  ]);
});

describe('the interop suites say in one line why zeep cannot run', () => {
  test('no interpreter', () => {
    expect(zeepProblem(path.join(dir, 'python3'))).toBe(`${dir}/python3 is missing: install python3-zeep (apt-get install python3-zeep; npm test's pretest does it when run as root).`);
  });

  test('an interpreter without zeep: the import error, not a traceback', () => {
    // The real python3 without its site packages (where Debian's python3-zeep lives).
    const py = program('python3', 'exec /usr/bin/python3 -I -S "$@"');
    expect(zeepProblem(py)).toBe(`${py} cannot import zeep (ModuleNotFoundError: No module named 'zeep'): install python3-zeep (apt-get install python3-zeep; npm test's pretest does it when run as root).`);
  });

  test('a failed flow leads with its cause: the step that failed, else the exception of a traceback', () => {
    const traceback = 'Traceback (most recent call last):\n  File "vasa_flow.py", line 41, in <module>\n    from zeep import Client\nModuleNotFoundError: No module named \'zeep\'\n';
    expect(flowFailure(1, traceback)).toBe("ModuleNotFoundError: No module named 'zeep'");
    expect(flowFailure(1, 'step 1: setContext\nFAILED at step 7 (bindVirtualVolume): no handle\n')).toBe('FAILED at step 7 (bindVirtualVolume): no handle');
    expect(flowFailure(null, '')).toBe('vasa_flow.py was killed (no answer within 120 s)');
  });
});
