'use strict';
/**
 * Small helpers shared by the bench runner, its scenarios and its child processes:
 * statistics, machine facts, temp folders, free ports, formatting.
 */
const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** p-th percentile (0..100) of a sorted array, nearest rank. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** min / median / max of repeated figures (NaN-free). */
function spread(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { min: null, median: null, max: null, n: 0, values };
  const mid = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return { min: v[0], median: mid, max: v[v.length - 1], n: v.length, values };
}

/** Latency summary in ms of a list of durations in ms. */
function latency(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return { n: s.length, mean, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function rmrf(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

/** Copies a folder tree (files and folders only). */
function copyDir(from, to) {
  fs.cpSync(from, to, { recursive: true });
}

function gitCommit() {
  try {
    const sha = childProcess.execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = childProcess.execFileSync('git', ['status', '--porcelain', '--', 'src', 'conf', 'package.json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { sha, short: sha.slice(0, 7), dirty: dirty.length > 0 };
  } catch {
    return { sha: 'unknown', short: 'unknown', dirty: false };
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    cpus: cpus.length,
    cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown',
    memoryMB: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
  };
}

/** Number formatting for tables. */
function fmt(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (typeof v !== 'number') return String(v);
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return v.toFixed(digits);
}

function fmtSpread(s, digits = 1) {
  if (!s || s.median === null) return '-';
  if (s.n === 1) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} [${fmt(s.min, digits)}..${fmt(s.max, digits)}]`;
}

/** Runs a node script as a child, gathers its stdout, resolves with the parsed last JSON line. */
function runNodeJson(script, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(process.execPath, [...(opts.nodeArgs || []), script, ...args], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env || {}) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`${path.basename(script)} failed (${signal || code}): ${err.trim().slice(-2000)}`));
      const line = out.trim().split('\n').filter(Boolean).pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${path.basename(script)} printed no JSON result: ${out.slice(-500)} ${err.slice(-500)}`));
      }
    });
  });
}

module.exports = { ROOT, DIST, sleep, percentile, spread, latency, freePort, tempDir, rmrf, copyDir, gitCommit, machine, fmt, fmtSpread, runNodeJson };
