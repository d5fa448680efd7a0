/**
 * The layers of lib/: the TypeScript import graph, read with TypeScript's own import scanner
 * (ts.preProcessFile: import and export-from statements, `import type`, require() and import() calls),
 * must have no cycle between files, and every import from one directory of lib/ to another must go
 * down the order below, never up it. Imports inside one directory are free (but for cycles).
 *
 * The order, lowest first (a directory may import any directory before it):
 *   util, process        foundations: file writing, helper processes in their own group; import nothing
 *   local-lambda         the local Lambda service: a service of its own, knows nothing of the benchmark
 *   build                the Rust function's one build script
 *   model                the wine data and the training
 *   prediction           the model that predicts AWS Init Duration from local figures
 *   parity               the parity check of every target against the .apr function
 *   benchmark            the benchmark's steps, statistics, results types and report writers
 *   targets              the registry of the ladder's targets, target files, what can run here
 *   config               the CDK app's settings, validated
 *   plan                 the run plan: durations and costs from the state machine's pacing
 *   handlers             the state machine's Task handlers (AWS and local)
 *   constructs, stacks   the CDK constructs and stacks
 *   state-machine-local  the synthesized state machine executed on this machine
 *   compare              `npm run compare`
 *   calibration          `npm run calibrate`
 *   local-bench          `npm run bench` (it may calibrate within the run)
 *   audit                `npm run audit`
 * A new directory of lib/ must be placed in this order (the first test says so).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const LIB = path.resolve(__dirname, '..', '..', 'lib');

const LAYERS: readonly string[] = [
  'util',
  'process',
  'local-lambda',
  'build',
  'model',
  'prediction',
  'parity',
  'benchmark',
  'targets',
  'config',
  'plan',
  'handlers',
  'constructs',
  'stacks',
  'state-machine-local',
  'compare',
  'calibration',
  'local-bench',
  'audit',
];

/**
 * Imports known to run back up the order while they are being fixed, each as `from -> to` (files under
 * lib/). Empty it as they are fixed: the last test fails on an entry whose import is gone.
 */
const KNOWN_PENDING_BACK_EDGES: readonly { edge: string; why: string }[] = [];

interface ImportGraph {
  files: string[];
  /** file -> the lib/ files it imports (paths relative to lib/). */
  imports: Map<string, string[]>;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The file a relative specifier names, as TypeScript resolves it (x.ts, x/index.ts); undefined outside lib/. */
function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [base + '.ts', path.join(base, 'index.ts'), base]) {
    if (candidate.startsWith(LIB + path.sep) && candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function readImportGraph(): ImportGraph {
  const files = tsFiles(LIB);
  const imports = new Map<string, string[]>();
  for (const file of files) {
    const scanned = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = scanned.importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolveSpecifier(file, name))
      .filter((t): t is string => t !== undefined)
      .map((t) => path.relative(LIB, t));
    imports.set(path.relative(LIB, file), [...new Set(targets)]);
  }
  return { files: files.map((f) => path.relative(LIB, f)), imports };
}

function layerOf(file: string): string {
  return file.split(path.sep)[0];
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.imports.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.imports.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const file of graph.files) if (!index.has(file)) visit(file);
  return found;
}

/** Every import from a directory to one above it in LAYERS, as `from -> to`. */
function backEdges(graph: ImportGraph): string[] {
  const rank = new Map(LAYERS.map((layer, i) => [layer, i]));
  const out: string[] = [];
  for (const [from, targets] of graph.imports) {
    for (const to of targets) {
      const a = layerOf(from);
      const b = layerOf(to);
      if (a !== b && (rank.get(b) ?? -1) > (rank.get(a) ?? -1)) out.push(`${from} -> ${to}`);
    }
  }
  return out.sort();
}

/** The graph without the known pending imports (one of them closes the prediction layer's cycle while it lasts). */
function withoutPending(g: ImportGraph): ImportGraph {
  const pending = new Set(KNOWN_PENDING_BACK_EDGES.map((p) => p.edge));
  const imports = new Map([...g.imports].map(([from, targets]) => [from, targets.filter((to) => !pending.has(`${from} -> ${to}`))]));
  return { files: g.files, imports };
}

const graph = readImportGraph();

describe('the layers of lib/', () => {
  test('the graph is read: static, type-only, re-exported and require() imports all count', () => {
    const edges = [...graph.imports.values()].reduce((n, t) => n + t.length, 0);
    expect(edges).toBeGreaterThan(200);
    // `import { … } from '../targets/local-targets'` (a value import across directories)
    expect(graph.imports.get('local-bench/run-local-bench.ts')).toContain('targets/local-targets.ts');
    // `import type { … } from '../benchmark/types'` (type-only imports tie layers as much as any)
    expect(graph.imports.get('local-bench/options.ts')).toContain('benchmark/types.ts');
    // `export { … } from './http-body'` and a directory's index.ts
    expect(graph.imports.get('local-lambda/environment.ts')).toContain('local-lambda/http-body.ts');
    expect(graph.imports.get('calibration/measure.ts')).toContain('local-lambda/index.ts');
    // `require('./cold-start-concurrency')`, loaded only when the option is given
    expect(graph.imports.get('local-bench/options.ts')).toContain('local-bench/cold-start-concurrency.ts');
  });

  test('the checks catch what they are for: on a made-up graph, a cycle and an import up the order', () => {
    const made: ImportGraph = {
      files: ['util/a.ts', 'audit/b.ts', 'audit/c.ts'],
      imports: new Map([
        ['util/a.ts', ['audit/b.ts']],
        ['audit/b.ts', ['util/a.ts']],
        ['audit/c.ts', ['util/a.ts']],
      ]),
    };
    expect(cycles(made)).toEqual([['audit/b.ts', 'util/a.ts']]);
    expect(backEdges(made)).toEqual(['util/a.ts -> audit/b.ts']);
  });

  test('every directory of lib/ has its place in the order, and the order names only directories that exist', () => {
    const directories = fs.readdirSync(LIB, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(directories.filter((d) => !LAYERS.includes(d))).toEqual([]);
    expect(LAYERS.filter((d) => !directories.includes(d))).toEqual([]);
    expect(graph.files.filter((f) => !f.includes(path.sep))).toEqual([]);
  });

  test('no import cycle between files (but through the known pending ones)', () => {
    expect(cycles(withoutPending(graph))).toEqual([]);
  });

  test('no import runs back up the layers (but the known pending ones)', () => {
    const pending = new Set(KNOWN_PENDING_BACK_EDGES.map((p) => p.edge));
    expect(backEdges(graph).filter((e) => !pending.has(e))).toEqual([]);
  });

  test('every known pending import still exists: remove the fixed ones from KNOWN_PENDING_BACK_EDGES', () => {
    const present = new Set(backEdges(graph));
    expect(KNOWN_PENDING_BACK_EDGES.map((p) => p.edge).filter((e) => !present.has(e))).toEqual([]);
  });
});
