#!/usr/bin/env node
// summarise-lambda-perf.mjs: pools lambda-perf cold starts per configuration and prints a CSV.
//
// Source: lambda-perf (github.com/maxday/lambda-perf, Apache License 2.0), whose daily files
// data/YYYY-MM-DD.json hold, per function, up to 10 forced cold starts ("i", Init Duration in ms) and the
// mean Max Memory Used ("mu", MB). The input here is a JSONL file with one such record per line, as in
// data/lambda-perf/holdout/records-2026-07-01_2026-08-22.jsonl: {day, path, commit, generatedAt, r, p, d, i, m, a, mu}.
//
// Output (stdout), the same columns and semantics as data/lambda-perf/init-duration-2026-07-01_2026-08-22.csv:
//   runtime,package,architecture,memory_mb,n,init_p50_ms,init_p90_ms,init_p99_ms,init_mean_ms,max_memory_used_mb_mean
// one row per (d, p, a, m): n = number of pooled cold starts (all "i" values of all days), percentiles by
// linear interpolation between order statistics (R type 7, numpy's default), the mean of the pooled values,
// and the mean of the daily "mu" values. Durations are rounded to 2 decimals and memory to 1 decimal, written
// like the existing CSV (a whole number keeps one decimal: 15.0). Rows are sorted by runtime, package,
// architecture (plain string order) and memory size (as a number).
//
// Usage: node scripts/summarise-lambda-perf.mjs RECORDS.jsonl [--exclude "label1,label2"] > out.csv
//   --exclude drops the rows of the named runtime labels ("d"), comma-separated, e.g.
//   --exclude "rust (prov.al2023),python3.12". No dependencies.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let file;
const exclude = new Set();
for (let k = 0; k < args.length; k++) {
  if (args[k] === '--exclude') {
    for (const label of (args[++k] ?? '').split(',')) if (label.trim()) exclude.add(label.trim());
  } else if (!file) {
    file = args[k];
  } else {
    console.error(`unexpected argument: ${args[k]}`);
    process.exit(2);
  }
}
if (!file) {
  console.error('usage: node scripts/summarise-lambda-perf.mjs RECORDS.jsonl [--exclude "label1,label2"]');
  process.exit(2);
}

const groups = new Map();
readFileSync(file, 'utf8').split('\n').forEach((line, idx) => {
  if (!line.trim()) return;
  const rec = JSON.parse(line);
  for (const key of ['d', 'p', 'a', 'm', 'i', 'mu']) {
    if (rec[key] === undefined) throw new Error(`${file}:${idx + 1}: field "${key}" missing`);
  }
  if (exclude.has(rec.d)) return;
  const key = JSON.stringify([rec.d, rec.p, rec.a, rec.m]);
  if (!groups.has(key)) groups.set(key, { d: rec.d, p: rec.p, a: rec.a, m: Number(rec.m), init: [], mu: [] });
  const g = groups.get(key);
  for (const v of rec.i) g.init.push(Number(v));
  g.mu.push(Number(rec.mu));
});

// R type 7: h = (n - 1) p, interpolate between the order statistics around h.
function quantile(sorted, p) {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;

// Round to nearest; when x * 10^digits is exactly .5 in floating point, to even. Other tie conventions
// (e.g. Python's round on the binary value) can differ by 0.01 in the last digit. A whole number is written with ".0".
function fmt(x, digits) {
  const f = 10 ** digits;
  let r = Math.round(x * f);
  if (Math.abs(x * f - Math.trunc(x * f)) === 0.5 && r % 2 !== 0) r -= 1;
  const v = r / f;
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
const rows = [...groups.values()].sort((x, y) => cmp(x.d, y.d) || cmp(x.p, y.p) || cmp(x.a, y.a) || x.m - y.m);

const out = ['runtime,package,architecture,memory_mb,n,init_p50_ms,init_p90_ms,init_p99_ms,init_mean_ms,max_memory_used_mb_mean'];
for (const g of rows) {
  const s = [...g.init].sort((x, y) => x - y);
  out.push([g.d, g.p, g.a, g.m, s.length, fmt(quantile(s, 0.5), 2), fmt(quantile(s, 0.9), 2), fmt(quantile(s, 0.99), 2),
    fmt(mean(s), 2), fmt(mean(g.mu), 1)].join(','));
}
process.stdout.write(out.join('\n') + '\n');
