import { PUBLISHED_FIGURES, type PublishedFigure } from './published-figures';
import { COST_FORMULA, LAMBDA_PRICES } from './cost';
import { COLD_START_MARKER_VARIABLE } from './cold-start';
import { formatNumber } from './render-svg';
import { renderLadderSection } from './render-ladder';
import type { TargetParity } from '../parity/ladder';
import type { BenchmarkResults, JsonValue, Parity, PredictedAwsBlock, PredictedInit, PredictedRatio, Ratio, Stats, TargetResults } from './types';
import type { HoldoutSummary, ValidationKind } from '../prediction/types';
import { byValidationSentence } from '../prediction/holdout-sentence';

/**
 * report.md: what was measured, how, and what it says, with every number next to its sample size
 * and spread. Wording rule: state what the data shows and nothing beyond it.
 */

export interface MarkdownOptions {
  /** Charts to embed, as links relative to report.md. */
  charts?: { file: string; title: string }[];
  /** Other result files to point to. */
  files?: { file: string; description: string }[];
  /** The run's plan beside its measured duration (lib/plan/render.ts, renderPlanMarkdown), placed before the methodology. */
  planSection?: readonly string[];
}

/** Makes text safe inside a Markdown table cell (and against raw HTML). */
export function mdCell(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n|\r/g, ' ');
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string[] {
  const sep = header.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [row(header), row(sep), ...rows.map(row)];
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${formatNumber(bytes / 1e9)} GB`;
  if (bytes >= 1e6) return `${formatNumber(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${formatNumber(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/** A measured value at the REPORT line's own resolution (0.01 ms), thousands separated. */
export function formatValue(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function statCell(s: Stats | null, unit: string): string {
  if (!s) return 'no samples';
  return `**${formatValue(s.p50)} ${unit}** (p90 ${formatValue(s.p90)}, p99 ${formatValue(s.p99)}; n=${s.n})`;
}

export function formatRatio(r: Ratio | undefined, level = '95'): string {
  if (!r || r.value === null) return 'n/a';
  const ci = r.ci95 ? ` (${level} % CI ${formatNumber(r.ci95[0])}–${formatNumber(r.ci95[1])})` : '';
  return `${formatNumber(r.value)}×${ci}`;
}

function usd(v: number | null): string {
  if (v === null) return 'n/a';
  return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: v < 1 ? 4 : 2 })}`;
}

function scalar(v: JsonValue): string {
  if (v === null) return '—';
  if (typeof v === 'object') return `\`${JSON.stringify(v)}\``.replace(/\|/g, '\\|');
  return mdCell(String(v));
}

/** How the cold starts were paced, for the Samples line. */
function coldPacing(results: BenchmarkResults): string {
  const batched = Object.values(results.targets).some((t) => (t.coldStartConcurrency ?? 1) > 1);
  return batched ? 'warm invocations one at a time' : 'one at a time';
}

/** Says which targets had several environments initialising at once, and what that may change. */
function concurrencyLines(results: BenchmarkResults): string[] {
  const batched = Object.entries(results.targets).filter(([, t]) => (t.coldStartConcurrency ?? 1) > 1);
  if (batched.length === 0) return [];
  const which = batched.map(([key, t]) => `${key}: ${t.coldStartConcurrency} per update`).join(', ');
  return [
    `- **Cold starts in rounds** (${which}): after each forced update that many invocations are sent at once, so each finds the others' environments busy ` +
      'initialising and gets a new environment of its own: every one is a separate cold start with its own Init Duration, as when Lambda scales out. ' +
      (results.backend === 'local'
        ? 'Locally each environment has its own CPU quota, and by default the rounds are sized so that the quotas together stay within the machine\'s spare CPUs; ' +
          'environments side by side still share caches and memory bandwidth, so Init Duration in rounds is not guaranteed to equal one cold start per update: ' +
          '`npm run bench:cold-start-concurrency` measures the difference on this machine, and `--cold-start-concurrency 1` avoids it at the cost of a longer run. ' +
          'The other targets have one cold start per update.'
        : 'The other targets have one cold start per update.'),
  ];
}

function statsRows(key: string, t: TargetResults): string[][] {
  const entries: [string, Stats | null, string][] = [
    ['cold: Init Duration', t.cold.initMs, 'ms'],
    ['cold: Duration', t.cold.durationMs, 'ms'],
    ['cold: Billed Duration', t.cold.billedMs, 'ms'],
    ['cold: Max Memory Used', t.cold.maxMemoryMB, 'MB'],
    ['cold: client round trip', t.cold.roundTripMs, 'ms'],
    ['warm: Duration', t.warm.durationMs, 'ms'],
    ['warm: Billed Duration', t.warm.billedMs, 'ms'],
    ['warm: Max Memory Used', t.warm.maxMemoryMB, 'MB'],
    ['warm: client round trip', t.warm.roundTripMs, 'ms'],
  ];
  return entries.map(([name, s, unit]) =>
    s
      ? [mdCell(key), name, unit, String(s.n), ...[s.min, s.p50, s.p90, s.p99, s.max, s.mean].map(formatValue), s.stdev === null ? '—' : formatValue(s.stdev)]
      : [mdCell(key), name, unit, '0', '—', '—', '—', '—', '—', '—', '—'],
  );
}

export function renderMarkdown(results: BenchmarkResults, options: MarkdownOptions = {}): string {
  const keys = Object.keys(results.targets);
  const ratios = results.ratios;
  const out: string[] = [];
  const level = formatValue(results.config.bootstrap.confidence * 100);
  const backendName = results.backend === 'aws' ? 'AWS Lambda' : 'the local Lambda service on one machine';

  out.push('# Benchmark results', '');
  out.push(`Backend: **${backendName}** (\`${results.backend}\`). Run from ${results.startedAt} to ${results.finishedAt}.`);
  const ownPayload = keys.filter((k) => results.targets[k].payload !== undefined);
  out.push(
    `Plan per function: ${results.config.coldStarts} forced cold starts, then ${results.config.warmInvocations} warm invocations, ` +
      (ownPayload.length === 0
        ? 'all with the same payload.'
        : `each with the same payload; ${ownPayload.map(mdCell).join(', ')} ${ownPayload.length === 1 ? 'was' : 'were'} sent ${ownPayload.length === 1 ? 'its' : 'their'} own (from a target file), the others the run's.`),
  );
  if (results.aborted) {
    out.push('', '> **This run was stopped before it finished.** The numbers below cover only what was measured until then.');
  }
  if (results.environment.limitsApplied === false && results.backend === 'local') {
    out.push('', '> CPU and memory limits matching the functions\' memory sizes were **not** applied on this machine: local timings reflect the whole machine, not a Lambda-sized share of it.');
  }
  const shortfalls = sampleShortfallLines(results);
  if (shortfalls.length > 0) {
    out.push('', '> **Fewer samples than asked for.** These statistics rest on fewer samples than the run asked for; read them with that n:', '>');
    for (const line of shortfalls) out.push(`> - ${line}`);
  }
  out.push('');

  // Summary, in the shape of the reference benchmark's table, with sample size and spread: the two ends
  // the ratios compare when the run has more targets (the ladder section and All statistics hold the rest).
  out.push('## Summary', '');
  const allKeys = keys;
  const summaryKeys = ratios && allKeys.length > 2 ? [ratios.denominator, ratios.numerator] : allKeys;
  const header = ['metric', ...summaryKeys.map((k) => `${mdCell(k)} (${mdCell(results.targets[k].runtime)}, ${results.targets[k].memorySizeMB} MB, ${results.targets[k].architecture})`)];
  if (ratios) header.push(`${mdCell(ratios.numerator)} / ${mdCell(ratios.denominator)}`);
  const summaryRows: string[][] = [
    [
      results.backend === 'local' ? 'cold start: Init Duration, p50 (measured here)' : 'cold start: Init Duration, p50',
      ...summaryKeys.map((k) => statCell(results.targets[k].cold.initMs, 'ms')),
      ...(ratios ? [formatRatio(ratios.coldStartInitP50, level)] : []),
    ],
    ...(['x86_64', 'arm64'] as const)
      .filter((arch) => summaryKeys.some((k) => results.targets[k].predictedAws?.[arch]))
      .map((arch) => [
        `cold start: Init Duration, p50 **predicted on AWS**, ${arch}`,
        ...summaryKeys.map((k) => predictedCell(results.targets[k].predictedAws, arch)),
        ...(ratios ? [formatPredictedRatio(ratios.predictedAwsColdStartInitP50?.[arch] ?? null)] : []),
      ]),
    ['warm Duration, p50', ...summaryKeys.map((k) => statCell(results.targets[k].warm.durationMs, 'ms')), ...(ratios ? [formatRatio(ratios.warmDurationP50, level)] : [])],
    ['Max Memory Used (cold starts), p50', ...summaryKeys.map((k) => statCell(results.targets[k].cold.maxMemoryMB, 'MB')), ...(ratios ? [formatRatio(ratios.maxMemory, level)] : [])],
    ['package', ...summaryKeys.map((k) => `${mdCell(results.targets[k].packageLabel)} (${formatBytes(results.targets[k].packageBytes)})`), ...(ratios ? [formatRatio(ratios.packageSize, level)] : [])],
    ['failed invocations', ...summaryKeys.map((k) => `${results.targets[k].errors} of ${results.targets[k].invocations}`), ...(ratios ? [''] : [])],
  ];
  out.push(...table(header, summaryRows));
  out.push('');
  if (summaryKeys.length < allKeys.length) {
    const others = allKeys.filter((k) => !summaryKeys.includes(k));
    out.push(`The two ends of the comparison; ${others.map(mdCell).join(', ')} ${others.length === 1 ? 'is' : 'are'} in "The ladder" and "All statistics" below, with the same statistics.`, '');
  }
  if (ratios) {
    out.push(
      `Ratios are ${mdCell(ratios.numerator)} divided by ${mdCell(ratios.denominator)}, with ${level} % percentile-bootstrap intervals ` +
        `(${results.config.bootstrap.iterations.toLocaleString('en-US')} resamples, seed ${results.config.bootstrap.seed}). ` +
        'The package ratio is an exact size comparison and has no interval.' +
        (ratios.predictedAwsColdStartInitP50
          ? ' Predicted ratios divide the two predicted p50s; their interval is the widest the two prediction intervals allow ' +
            '(low / high to high / low), so it holds whether or not the model errs the same way for both. Predictions are the model\'s (see "Predicted on AWS"), not measurements.'
          : ''),
      '',
    );
  } else {
    out.push('No ratio: the run does not contain both targets the ratios compare.', '');
  }

  for (const chart of options.charts ?? []) {
    out.push(`![${mdCell(chart.title)}](${encodeURI(chart.file)})`, '');
  }

  out.push(...renderLadderSection(results));

  out.push('## All statistics', '');
  out.push('Percentiles by linear interpolation between closest ranks (Hyndman & Fan type 7); sd is the sample standard deviation (n − 1).', '');
  out.push(
    ...table(
      ['target', 'metric', 'unit', 'n', 'min', 'p50', 'p90', 'p99', 'max', 'mean', 'sd'],
      keys.flatMap((k) => statsRows(k, results.targets[k])),
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');
  for (const k of keys) {
    const t = results.targets[k];
    const notes: string[] = [];
    if (t.cold.lostInitDuration.count > 0) {
      notes.push(
        `${t.cold.lostInitDuration.count} cold start(s) have no Init Duration in their REPORT and are not samples of it ` +
          `(${t.cold.lostInitDuration.reasons.map((r) => `${r.count} × ${r.reason}`).join(', ')}; see "Cold starts without an Init Duration")`,
      );
    }
    if (t.warm.withInitDuration > 0) notes.push(`${t.warm.withInitDuration} warm-phase invocation(s) landed in a new environment and are not counted as warm`);
    if (notes.length) out.push(`- ${mdCell(k)}: ${notes.join('; ')}.`);
  }
  out.push('');

  out.push(...renderLostInit(results));
  out.push(...renderPredictions(results));
  out.push(...renderPublishedComparison(results), '');

  out.push('## Errors', '');
  const anyErrors = keys.some((k) => results.targets[k].errors > 0 || results.targets[k].runErrors.length > 0);
  const lostInit = keys.reduce((n, k) => n + results.targets[k].cold.lostInitDuration.count, 0);
  if (!anyErrors && lostInit === 0) {
    out.push('Every invocation succeeded and every REPORT record was found.', '');
  } else if (!anyErrors) {
    out.push(
      `Every invocation answered and every REPORT record was found, but ${lostInit} cold start(s) lost their Init Duration ` +
        '(see "Cold starts without an Init Duration"): they are counted there, not in the Init Duration statistics.',
      '',
    );
  } else {
    // One row per cause: the message with its request ids taken out (aggregate.ts), one example id to look up.
    const errorRows = keys.flatMap((k) =>
      results.targets[k].errorSummary.map((e) => [
        mdCell(k), e.kind, mdCell(e.errorType), mdCell(e.errorMessage), String(e.count), `${e.phases.cold} / ${e.phases.warm}`, e.exampleRequestId ? mdCell(e.exampleRequestId) : '—',
      ]),
    );
    if (errorRows.length) {
      out.push(...table(['target', 'kind', 'error type', 'message (request ids taken out)', 'count', 'cold / warm', 'example request id'], errorRows, ['l', 'l', 'l', 'l', 'r', 'r', 'l']), '');
    }
    for (const k of keys) {
      for (const e of results.targets[k].runErrors) out.push(`- ${mdCell(k)}: ${mdCell(e)}`);
    }
    out.push('', 'Failed invocations are excluded from every statistic above.', '');
    if (lostInit > 0) out.push(`Besides these, ${lostInit} cold start(s) lost their Init Duration: see "Cold starts without an Init Duration".`, '');
  }

  out.push('## Responses and parity', '');
  for (const k of keys) {
    const r = results.targets[k].response;
    out.push(`- ${mdCell(k)}: ${r === null ? 'no successful answer' : `\`${JSON.stringify(r).replace(/`/g, '\\`')}\``}`);
  }
  out.push('');
  if (results.parity) {
    const p = results.parity;
    out.push(
      `Parity (${mdCell(p.source)}, ${p.cases} case${p.cases === 1 ? '' : 's'}): largest |quality difference| ` +
        `${p.maxAbsQualityDiff === null ? 'n/a' : p.maxAbsQualityDiff.toExponential(2)}; ` +
        `category, confidence and top factors ${p.identicalLabels === null ? 'not compared' : p.identicalLabels ? 'identical' : '**differ**'}.`,
      '',
    );
    out.push(...renderTargetParity(p));
  } else {
    out.push('Parity: not measured in this run.', '');
  }

  out.push('## Cost estimate', '');
  out.push(
    `Lambda list prices, ${LAMBDA_PRICES.region}, no free tier: x86_64 $${LAMBDA_PRICES.perGbSecond.x86_64} and arm64 $${LAMBDA_PRICES.perGbSecond.arm64} per GB-second, ` +
      `$${LAMBDA_PRICES.perMillionRequests.toFixed(2)} per 1M requests. Computed from the measured p50s, so it is the cost of a typical invocation, not a bound.`,
    '',
  );
  out.push(`Formula: ${COST_FORMULA}`, '');
  const share = results.cost.coldStartShare;
  out.push(
    ...table(
      ['target', 'memory', 'arch', 'cold billed (ms)', 'warm billed (ms)', `per 1M, ${formatValue(share * 100)} % cold`, 'per 1M, all warm', 'per 1M, all cold'],
      Object.entries(results.cost.targets).map(([k, c]) => [
        mdCell(k), `${c.memorySizeMB} MB`, c.architecture,
        c.coldBilledMs === null ? 'n/a' : formatValue(c.coldBilledMs),
        c.warmBilledMs === null ? 'n/a' : formatValue(c.warmBilledMs),
        usd(c.perMillion), usd(c.perMillionAllWarm), usd(c.perMillionAllCold),
      ]),
      ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');
  if (results.backend === 'local') {
    out.push('On the local backend these are the prices AWS would charge for the durations measured here; durations on AWS differ.', '');
  }

  if (options.planSection) out.push(...options.planSection);

  out.push('## Methodology', '');
  out.push(
    `- **Cold starts are forced**, not waited for: before each cold invocation the function's environment variable \`${COLD_START_MARKER_VARIABLE}\` is set to a new value ` +
      '(all other configuration kept) and the update is awaited until Lambda reports it done (`LastUpdateStatus: Successful`). A configuration change retires the existing ' +
      'execution environments, so the next invocation initialises a new one. Only invocations whose REPORT line carries an Init Duration are samples of it; ' +
      'a forced cold start whose init failed or ran into the init limit (and was retried inside the invocation) has none, and is listed with its reason instead.',
    `- **Init Duration** (from the REPORT line) is the time to start the runtime and run the code outside the handler, ending when the runtime asks for its first event. ` +
      '**Duration** is the handler\'s time for one event. **Max Memory Used** is the peak memory of the execution environment. **Billed Duration** is what AWS charges ' +
      '(for custom runtimes and container images it includes INIT on cold starts).',
    ...concurrencyLines(results),
    `- **Samples**: ${results.config.coldStarts} cold starts and ${results.config.warmInvocations} warm invocations per function, ${coldPacing(results)}, functions one after the other; ` +
      'warm invocations follow the last cold start and so mostly run in one execution environment: their spread shows variation within an environment, not between environments, ' +
      'and their intervals are narrower than a study over many environments would give.',
    '- **Where each number comes from**: Init Duration, Duration, Billed Duration and Max Memory Used from the platform\'s REPORT records, read back from the log group ' +
      '(CloudWatch Logs `FilterLogEvents`) and joined to invocations by request id; client round trip measured by the benchmark client around the Invoke call ' +
      '(the attempt that produced the answer; throttled attempts and back-off waits are recorded separately, not included).',
    `- **Percentiles**: linear interpolation between closest ranks (type 7).` +
      (results.config.coldStarts <= 100
        ? ` With ${results.config.coldStarts} cold starts, the cold p99 lies between the two largest values: read it as "near the maximum", not as a tail estimate.`
        : ''),
    `- **Ratios and intervals**: ratio of medians; ${level} % percentile bootstrap, each side resampled independently with replacement at its own size, ` +
      `${results.config.bootstrap.iterations.toLocaleString('en-US')} rounds, seeded PRNG (mulberry32, seed ${results.config.bootstrap.seed}), so the same data gives the same interval. ` +
      'Max memory compares the p50 of the cold starts\' Max Memory Used: each cold start is an independent environment, and it includes the memory used by INIT.',
    '- **Failures** (Invoke errors, function errors, REPORT lines with a failure status, REPORT lines never found) are counted and listed, never averaged in.',
  );
  if (results.backend === 'local') {
    out.push(
      '- **Local backend**: the functions run as real processes under a local implementation of the Lambda Runtime API on this machine, built to write REPORT lines ' +
        'as Lambda defines them (init starts when the environment is created, Init Duration ends at the runtime\'s first `GET /runtime/invocation/next`). It is not AWS: CPU speed, the share of CPU per memory size ' +
        '(unless limits were applied: see `limitsApplied` below), image download and sandbox start-up differ, so absolute numbers are this machine\'s; the comparison between ' +
        'the two functions on the same machine is what the local run is for.',
      '- **Local Init Duration and memory**: the service first prepares the environment (spawns a small wrapper, joins it to the CPU and memory cgroups), then starts ' +
        'the init clock and lets the wrapper exec the runtime; like Lambda\'s sandbox creation, that preparation is outside Init Duration but inside the cold ' +
        'client round trip. Max Memory Used is the peak resident memory (VmHWM) summed over the environment\'s processes; Lambda counts more of its sandbox, ' +
        'so small functions read lower here (compare the table of published figures).',
      '- **INIT with burst CPU**: ' +
        (results.environment.limitsApplied === false ? '(no limits were applied in this run, so inits and invocations alike ran on the whole machine) where limits apply, ' : '') +
        'the local service lets each environment initialise without the memory-proportional CPU quota (capped at the 2 vCPUs ' +
        'a Lambda environment sees, or the machine\'s CPUs if fewer), and holds it to the share of its memory size from the runtime\'s first ' +
        '`GET /runtime/invocation/next` on, before the first event; the memory limit applies throughout, and an init retried inside an invocation runs ' +
        'under the invocation\'s share. Evidence that Lambda does the same: in lambda-perf\'s AWS measurements (about 500 forced cold starts per ' +
        'configuration, July–August 2026) Init Duration does not move with memory size for any runtime (Java 21 zip: 239.9 ms at 128 MB, 239.5 ms at ' +
        '1,024 MB; Node.js 22: 141.2 and 140.6 ms), which a CPU share of 7.2 % at 128 MB against 57.9 % at 1,024 MB could not give; AWS\'s Lambda Web ' +
        'Adapter documentation says in words that initialisation runs "with burst CPU".',
      '- **What the local run leaves out, and the prediction adds**: Lambda\'s own start-up of the sandbox is part of Init Duration on AWS ' +
        '(15.9 ms at p50 for a static Rust hello world on provided.al2023, zip, x86_64, where the same kind of binary reaches its first `GET /next` ' +
        'in 1–2 ms here), and image functions carry more. Nor does it see what a fresh Lambda worker must fetch: the pages of the runtime\'s and ' +
        'the function\'s files that INIT touches are in this machine\'s page cache. "Predicted on AWS" maps each function\'s local ' +
        'Init Duration and the file bytes its INIT brought in (resident file-backed pages and bytes read, summed over its processes at the first ' +
        '`GET /next`) to AWS through a model fitted on calibration functions measured here beside lambda-perf\'s AWS figures; the model\'s interval ' +
        'and the error of the validation behind it (a whole family left out for everything the model has not seen) are printed with every prediction.',
    );
  } else {
    out.push(
      '- **AWS backend**: numbers are Lambda\'s own, from the deployed functions in one region and one account at the time of the run; they vary with region, time and ' +
        'placement. Container-image cold starts depend on image caching on AWS\'s side, which the benchmark does not control.',
    );
  }
  out.push('');

  out.push('## Environment', '');
  const envRows = Object.entries(results.environment).map(([k, v]) => [mdCell(k), scalar(v)]);
  out.push(...table(['item', 'value'], envRows), '');

  if (options.files?.length) {
    out.push('## Files', '');
    for (const f of options.files) out.push(`- [${mdCell(f.file)}](${encodeURI(f.file)}): ${mdCell(f.description)}`);
    out.push('');
  }
  return out.join('\n');
}

const METRIC_LABELS: Record<PublishedFigure['metric'], string> = {
  coldInitP50: 'cold start Init Duration, p50',
  warmDurationP50: 'warm Duration, p50',
  maxMemory: 'Max Memory Used',
  packageBytes: 'package size',
};

function measuredFor(t: TargetResults, metric: PublishedFigure['metric']): number | null {
  switch (metric) {
    case 'coldInitP50': return t.cold.initMs?.p50 ?? null;
    case 'warmDurationP50': return t.warm.durationMs?.p50 ?? null;
    case 'maxMemory': return t.cold.maxMemoryMB?.p50 ?? null;
    case 'packageBytes': return t.packageBytes;
  }
}

/** This run's p50s beside figures others measured on AWS: how far does this run predict the cloud? */
export function renderPublishedComparison(results: BenchmarkResults): string[] {
  const withPredictions = results.backend === 'local' && Object.values(results.targets).some((t) => t.predictedAws?.x86_64);
  const rows = PUBLISHED_FIGURES.filter((f) => results.targets[f.target]).map((f) => {
    const measured = measuredFor(results.targets[f.target], f.metric);
    const show = (v: number) => (f.unit === 'bytes' ? formatBytes(v) : `${formatValue(v)} ${f.unit}`);
    const predicted = f.metric === 'coldInitP50' ? results.targets[f.target].predictedAws?.x86_64 ?? null : null;
    return [
      mdCell(f.target), METRIC_LABELS[f.metric],
      measured === null ? 'n/a' : show(measured),
      ...(withPredictions
        ? [predicted ? `${formatValue(predicted.p50Ms)} ms (${Math.round(predicted.interval.level * 100)} % ${formatValue(predicted.interval.low)}–${formatValue(predicted.interval.high)})` : '—']
        : []),
      show(f.value),
      measured === null ? 'n/a' : `${formatNumber(measured / f.value)}×`,
      ...(withPredictions ? [predicted ? `${formatNumber(predicted.p50Ms / f.value)}×` : '—'] : []),
      mdCell(f.source),
    ];
  });
  if (rows.length === 0) return [];
  const where = results.backend === 'local'
    ? 'Local numbers come from this machine (with the limits stated under Environment), so this table shows how well the local run predicts AWS.'
    : 'Figures from other runs on AWS, for context; they differ in date, region and, for the reference benchmark, sample size.';
  const header = withPredictions
    ? ['target', 'metric', 'measured here', 'predicted on AWS, x86_64', 'published', 'measured / published', 'predicted / published', 'source']
    : ['target', 'metric', 'this run', 'published', 'this run / published', 'source'];
  const predictedNote = withPredictions
    ? ' The predicted column maps the local Init Duration and init file MB to AWS through the model (see "Predicted on AWS"), for x86_64, the architecture of the published figures.'
    : '';
  return [
    '## Compared with published AWS figures', '',
    `${where}${predictedNote} Package sizes differ in kind where noted (a zip, an image, or locally the installed files a function loads).`, '',
    ...table(header, rows, header.map((_, i) => (i < 2 || i === header.length - 1 ? 'l' : 'r'))),
  ];
}

/** One line per statistic with fewer samples than asked for, e.g. "pytorch: cold starts, n = 1 of 30 asked (...)". */
export function sampleShortfallLines(results: BenchmarkResults): string[] {
  const lines: string[] = [];
  for (const [key, t] of Object.entries(results.targets)) {
    for (const s of t.sampleShortfalls ?? []) {
      const p50 = s.phase === 'cold' ? t.cold.initMs?.p50 : t.warm.durationMs?.p50;
      const what = s.phase === 'cold' ? 'cold starts (Init Duration p50' : 'warm invocations (Duration p50';
      const value = p50 === undefined ? 'none' : `${formatValue(p50)} ms`;
      lines.push(`${mdCell(key)}: ${what} ${value}) from n = ${s.n} of ${s.asked} asked: ${mdCell(s.why)}`);
    }
  }
  return lines;
}

/**
 * The committed model's test on runtimes outside the calibration set, in one paragraph: how many cells
 * landed within the bound and inside the printed interval, and every miss by name.
 */
export function holdoutSentence(check: (HoldoutSummary & { of?: 'in-run' | 'committed' }) | { unavailable: string } | undefined): string | null {
  if (!check) return null;
  if ('unavailable' in check) return `**Tested on runtimes outside the calibration set**: no result (${mdCell(check.unavailable)}).`;
  if (check.cells === 0) return null;
  const apart = byValidationSentence(check);
  const misses = check.misses.map(
    (m) => `${mdCell(m.runtime)} ${m.packageType.toLowerCase()} ${m.architecture} ${m.errorPct >= 0 ? '+' : ''}${formatValue(m.errorPct)} %${m.insideInterval ? '' : ' (outside its interval)'}`,
  );
  return (
    (check.of === 'in-run'
      ? `**Tested on runtimes outside the calibration set** (measured in this run, calibration/holdout-check.json): hello worlds of ${check.runtimes.map(mdCell).join(', ')}, ` +
        'never fitted on, predicted by this run\'s model as a function of that runtime is (a new family: the family-out interval; a new version of a known family: the version-out one), against lambda-perf\'s AWS p50: '
      : `**Tested on runtimes outside the calibration set** (\`npm run calibrate\`, data/calibration/holdout-check.json): hello worlds of ${check.runtimes.map(mdCell).join(', ')}, ` +
        'measured here and never fitted on, predicted by the committed model as a function of that runtime is (a new family: the family-out interval; a new version of a known family: the version-out one), against lambda-perf\'s AWS p50: ') +
    `within ±${check.boundPct} % in ${check.withinBound} of ${check.cells} cells, AWS inside the printed interval in ${check.insideInterval} of ${check.cells}` +
    `${check.medianAbsErrorPct !== null ? `, |error| median ${formatValue(check.medianAbsErrorPct)} %, max ${formatValue(check.maxAbsErrorPct ?? 0)} %` : ''}.` +
    (apart ? ` Apart: ${mdCell(apart)}.` : '') +
    (misses.length ? ` Beyond ±${check.boundPct} % or outside the interval: ${misses.join('; ')}.` : '') +
    (check.failed?.length ? ` Not checked, failed in this run: ${check.failed.map(mdCell).join('; ')}.` : '') +
    (check.memory && check.memory.cells > 0
      ? ` Max Memory Used: within ±${check.boundPct} % in ${check.memory.withinBound} of ${check.memory.cells} cells, inside the interval in ${check.memory.insideInterval} of ${check.memory.cells}.`
      : '')
  );
}

/** How the report names a validation. */
export function validationName(kind: ValidationKind): string {
  return kind === 'leave-one-family-out' ? 'family left out' : 'version left out';
}

function predictedCell(block: PredictedAwsBlock | undefined, arch: 'x86_64' | 'arm64'): string {
  if (!block) return '—';
  const p = block[arch];
  if (!p) return block.unavailable ? `no prediction (${mdCell(block.unavailable)})` : '—';
  return `**${formatValue(p.p50Ms)} ms** (${Math.round(p.interval.level * 100)} % ${formatValue(p.interval.low)}–${formatValue(p.interval.high)}; ${validationName(p.validation.kind)} error ${formatValue(p.validation.medianAbsErrorPct)} % median, ${formatValue(p.validation.maxAbsErrorPct)} % max)`;
}

export function formatPredictedRatio(r: PredictedRatio | null): string {
  if (!r) return 'n/a';
  return `${formatNumber(r.value)}× (interval ${formatNumber(r.interval[0])}–${formatNumber(r.interval[1])})`;
}

/** The cold starts whose REPORT had no Init Duration: why, how many, and what the client waited. */
export function renderLostInit(results: BenchmarkResults): string[] {
  const rows: string[][] = [];
  for (const [key, t] of Object.entries(results.targets)) {
    for (const r of t.cold.lostInitDuration?.reasons ?? []) {
      const rt = r.roundTripMs;
      rows.push([
        mdCell(key), mdCell(r.reason), String(r.count), String(r.succeeded),
        rt ? `${formatValue(rt.p50)} (${formatValue(rt.min)}–${formatValue(rt.max)})` : '—', mdCell(r.description),
      ]);
    }
  }
  if (rows.length === 0) return [];
  const out = [
    '## Cold starts without an Init Duration', '',
    'These forced cold starts happened, but their REPORT line carries no Init Duration, so they are not samples of it. ' +
      'The reason comes from the INIT_REPORT lines Lambda (and the local service) write into the environment\'s log stream when an init fails or ' +
      'runs into the init time limit; the init is then retried inside the invocation, and the client waits for both.', '',
    ...table(['target', 'reason', 'cold starts', 'of which answered', 'client round trip, ms: p50 (min–max)', 'what happened'], rows, ['l', 'l', 'r', 'r', 'r', 'l']),
    '',
  ];
  const each: string[][] = [];
  for (const [key, t] of Object.entries(results.targets)) {
    for (const c of (t.cold.lostInitDuration?.invocations ?? []).slice(0, 50)) {
      const inits = c.initReports.map((r) => `${r.phase} ${r.status}${r.errorType ? ` ${r.errorType}` : ''} ${formatValue(r.initDurationMs)} ms`).join('; ');
      each.push([mdCell(key), String(c.index), `\`${mdCell(c.requestId)}\``, mdCell(c.reason), mdCell(inits || '—'), formatValue(c.roundTripMs), c.durationMs === null ? '—' : formatValue(c.durationMs), mdCell(c.outcome)]);
    }
  }
  out.push(
    ...table(['target', 'cold start #', 'request id', 'reason', 'INIT_REPORT (phase, status, Init Duration)', 'round trip (ms)', 'REPORT Duration (ms)', 'outcome'], each, ['l', 'r', 'l', 'l', 'l', 'r', 'r', 'l']),
    '',
  );
  return out;
}

function predictionLine(arch: string, p: PredictedInit | null): string[] {
  if (!p) return [arch, '—', '—', '—', '—'];
  return [
    arch, `**${formatValue(p.p50Ms)}**`, formatValue(p.p90Ms), `${formatValue(p.interval.low)}–${formatValue(p.interval.high)} (${Math.round(p.interval.level * 100)} %)`,
    `${validationName(p.validation.kind)}: ${formatValue(p.validation.medianAbsErrorPct)} % median, ${formatValue(p.validation.maxAbsErrorPct)} % max (${p.validation.runtimes} runtimes, ${p.validation.families} families${p.validation.familyOutCoverage ? `; AWS inside ${p.validation.familyOutCoverage.inside} of ${p.validation.familyOutCoverage.total} with its family left out` : ''})`,
  ];
}

/**
 * A run's own model has the committed model's family-out half-widths as a floor (lib/prediction/interval-floor.ts):
 * said beside the intervals, with the cells it widened.
 */
export function intervalFloorSentence(floor: { from: string; widened: string[] } | undefined, runColdStarts?: number): string | undefined {
  if (!floor) return undefined;
  return (
    `**Interval floor**: the family-out intervals of this run's model are no narrower than the committed calibration's (\`${mdCell(floor.from)}\`): ` +
    `the run's own half-widths come from ${runColdStarts ?? 'a few'} cold starts of each calibration function and move from run to run, and intervals narrower than the committed ones missed AWS for runtimes the model never saw. ` +
    (floor.widened.length ? `Widened to the committed width here: ${floor.widened.map(mdCell).join(', ')}.` : "Here the run's own were as wide or wider in every cell.")
  );
}

/** Local runs: what AWS is predicted to show, per target and architecture, with each interval's level and validation. */
export function renderPredictions(results: BenchmarkResults): string[] {
  if (results.backend !== 'local') return [];
  const out = ['## Predicted on AWS', ''];
  const model = results.predictionModel;
  if (!model || 'unavailable' in model) {
    out.push(`No prediction: ${mdCell(model ? model.unavailable : 'the run carries no prediction model')}.`, '');
    return out;
  }
  const level = Math.round((model.intervalLevel ?? 0.9) * 100);
  const source = model.source;
  out.push(
    'What AWS Lambda\'s Init Duration and Max Memory Used are predicted to be for each function, from what its cold starts measured here: the Init Duration (p50 and p90, with burst CPU), ' +
      'the file bytes INIT brought in (binaries, libraries and files it mapped or read, and of them those of the function\'s own package: a fresh Lambda worker fetches them, this machine has them cached; ' +
      'AWS documents such on-demand loading for container images, Brooker et al., "On-demand Container Loading in AWS Lambda", USENIX ATC 2023, and for zip functions it is the model\'s hypothesis), ' +
      'and the Max Memory Used of the cold invocations (on AWS it includes the environment\'s own processes). ' +
      `Model: ${mdCell(model.form)}; fitted on \`${mdCell(model.table)}\` (calibration runtimes: ${model.calibrationRuntimes.map(mdCell).join(', ')}). These are predictions, not measurements.`,
    '',
    `**Which model**: ${source ? (source.kind === 'in-run' ? mdCell(source.why) : `the committed model (data/calibration/fitted-model.json): ${mdCell(source.why)}`) : 'the committed model'}` +
      (source?.kind === 'in-run' && source.coldStartsPerFunction
        ? ` (${source.functions?.length ?? '?'} calibration functions${source.holdouts?.length ? ` and ${source.holdouts.length} hold-outs` : ''} × ${source.coldStartsPerFunction} cold starts, their rounds spread between the targets' cold starts; ` +
          `${formatValue(source.measuringSeconds ?? 0)} s of the run${source.holdoutSeconds !== undefined ? `, of which ${formatValue(source.holdoutSeconds)} s the hold-outs` : ''})`
        : '') +
      '.',
    '',
    `**Intervals** are ${level} % prediction intervals: split-conformal quantiles of out-of-sample errors. A calibration hello world (a target file naming its lambda-perf runtime, of a family the model was fitted on) ` +
      'gets the interval from leaving one version out; every other target (a ladder rung with a package of its own, a target file, an OS-only runtime other than the Rust hello world) is something the model has not seen, ' +
      'and gets the interval from leaving whole families out. ' +
      (model.familyOutCoverage && model.familyOutCoverage.total > 0
        ? `Checked on the calibration set (zip x86_64), each family left out of the fit and of the errors that size its interval: AWS fell inside ${model.familyOutCoverage.inside} of ${model.familyOutCoverage.total} times (${Math.round((model.familyOutCoverage.inside / model.familyOutCoverage.total) * 100)} %).`
        : 'Too few families to check the family-out coverage by leaving each one out.'),
    '',
  );
  const floor = intervalFloorSentence(model.intervalFloor, source?.coldStartsPerFunction);
  if (floor) out.push(floor, '');
  const holdout = holdoutSentence(model.holdoutCheck);
  if (holdout) out.push(holdout, '');
  if (model.calibratedOn) {
    const c = model.calibratedOn;
    const env = results.environment;
    out.push(
      `Calibrated on ${mdCell(c.cpuModel)} (${c.cpus} CPUs) at a 1-minute load average of ${formatValue(c.loadAverage1mBefore)}, limits ${c.limitsApplied ? '' : 'not '}applied, ${mdCell(c.measuredAt)}; ` +
        `this run: ${mdCell(String(env.cpu ?? 'unknown CPU'))} (${String(env.logicalCpus ?? '?')} CPUs) at ${typeof env.loadAverage1mBefore === 'number' ? formatValue(env.loadAverage1mBefore) : 'an unrecorded load'}, limits ${env.limitsApplied ? '' : 'not '}applied. ` +
        'The model holds for the machine and load it was calibrated at.',
      '',
    );
    const mismatches = model.calibrationMismatches ?? [];
    for (const m of mismatches) out.push(`- **Calibration mismatch**: ${mdCell(m)}.`);
    if (mismatches.length > 0) out.push('');
  }
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [key, t] of Object.entries(results.targets)) {
    const b = t.predictedAws;
    if (!b) continue;
    // Beside it, in brackets, the part mapped from the function's own package (init-footprint.ts), where measured.
    const packageMB = t.cold.initPackageFileMB?.p50;
    const fileMB = b.from.localInitFileMB === null ? '—' : `${formatValue(b.from.localInitFileMB)}${packageMB == null ? '' : ` (${formatValue(packageMB)})`}`;
    const from = `${formatValue(b.from.localInitP50Ms)} / ${formatValue(b.from.localInitP90Ms)} (n=${b.from.n})`;
    if (b.unavailable) {
      rows.push([mdCell(key), mdCell(b.from.packageType), from, fileMB, '—', `no prediction: ${mdCell(b.unavailable)}`, '—', '—', '—', '—', '—']);
      continue;
    }
    for (const arch of ['x86_64', 'arm64'] as const) {
      const m = b.maxMemory?.[arch];
      const memory = m ? `${formatValue(m.maxMemoryUsedMB)} (${formatValue(m.interval.low)}–${formatValue(m.interval.high)})` : '—';
      const published = b.lambdaPerf ? (arch === 'x86_64' ? b.lambdaPerf.x86_64InitP50Ms : b.lambdaPerf.arm64InitP50Ms) : null;
      rows.push([mdCell(key), mdCell(b.from.packageType), from, fileMB, ...predictionLine(arch, b[arch]), memory, published === null ? '—' : `${formatValue(published)} (${mdCell(b.lambdaPerf!.runtime)})`]);
    }
    if (b.validationWhy) notes.push(`- ${mdCell(key)}: ${mdCell(b.validationWhy)}.`);
    if (b.extrapolated) {
      const e = b.extrapolated;
      notes.push(
        `- ${mdCell(key)}: its model input (local Init Duration p50 + k × init file MB: ${formatValue(e.effectiveLocalMs)} ms on ${e.architecture}) lies ${e.direction} every calibration runtime's ` +
          `(${formatValue(e.rangeMs.min)}–${formatValue(e.rangeMs.max)} ms): the model's line is extrapolated there. ${e.direction === 'below' ? 'Its interval reaches up to the line\'s value at the range\'s lower edge (AWS may stop shrinking with the local figure there: every function pays the platform\'s own start-up)' : 'Its interval reaches up to the line continued from the range\'s upper edge in proportion (CPU-bound init runs with burst CPU, so AWS may grow as fast as the local figure)'}, since no calibration function shows which slope holds there; its validation error, measured inside the range, may still understate the error.`,
      );
    }
    if (!b.runtimeCalibrated) {
      notes.push(
        `- ${mdCell(key)}: the model has not seen its runtime (${mdCell(b.from.runtime)}); the calibration runtimes standing nearest to its local Init Duration and init file MB are ` +
          `${b.nearestCalibrationRuntimes.map(mdCell).join(' and ') || 'none'}, and the prediction leans on them.`,
      );
    }
    if (t.sampleShortfalls?.some((s) => s.phase === 'cold')) {
      notes.push(`- ${mdCell(key)}: predicted from n = ${b.from.n} cold starts, fewer than the ${results.config.coldStarts} asked for.`);
    }
  }
  out.push(
    ...table(
      ['target', 'package', 'local Init p50 / p90 (ms)', 'init file MB p50 (of it, the package\'s)', 'architecture', 'predicted AWS Init p50 (ms)', 'predicted p90 (ms)', 'interval of p50 (ms)', 'validation and its error', 'predicted AWS Max Memory Used, MB (interval)', 'lambda-perf AWS p50 (ms)'],
      rows,
      ['l', 'l', 'r', 'r', 'l', 'r', 'r', 'r', 'l', 'r', 'r'],
    ),
    '',
  );
  if (notes.length) out.push(...notes, '');
  const pr = results.ratios?.predictedAwsColdStartInitP50;
  if (results.ratios && pr) {
    out.push(
      `Headline ratio ${mdCell(results.ratios.numerator)} / ${mdCell(results.ratios.denominator)}, cold-start Init Duration p50: measured here ` +
        `${formatRatio(results.ratios.coldStartInitP50)}; predicted on AWS ${formatPredictedRatio(pr.x86_64)} on x86_64 and ${formatPredictedRatio(pr.arm64)} on arm64.`,
      '',
    );
    const num = results.targets[results.ratios.numerator]?.predictedAws?.maxMemory?.x86_64;
    const den = results.targets[results.ratios.denominator]?.predictedAws?.maxMemory?.x86_64;
    if (num && den) {
      out.push(
        `Max Memory Used ratio: measured here ${formatRatio(results.ratios.maxMemory)}; predicted on AWS x86_64 ${formatNumber(num.maxMemoryUsedMB / den.maxMemoryUsedMB)}× ` +
          `(${formatValue(num.maxMemoryUsedMB)} MB / ${formatValue(den.maxMemoryUsedMB)} MB; interval ${formatNumber(num.interval.low / den.interval.high)}–${formatNumber(num.interval.high / den.interval.low)}×), ` +
          'the form the reference benchmark\'s 289 MB / 13 MB (22×) takes.',
        '',
      );
    }
  }
  const points = model.points ?? [];
  if (points.length > 0) {
    out.push(
      '### The model\'s calibration points', '',
      ...table(
        ['runtime', 'family', 'source of the AWS figure', 'local Init p50 (ms)', 'init file MB (package)', 'AWS Init p50, zip x86_64 (ms)', 'error, version left out', 'error, family left out'],
        points.map((p) => [
          mdCell(p.runtime), mdCell(p.family), mdCell(p.source), formatValue(p.localInitP50Ms), `${formatValue(p.localInitFileMB)} (${formatValue(p.localPackageFileMB)})`,
          p.awsInitP50Ms === null ? '—' : formatValue(p.awsInitP50Ms),
          p.versionOutErrorPct === null ? '—' : `${p.versionOutErrorPct >= 0 ? '+' : ''}${formatValue(p.versionOutErrorPct)} %`,
          p.familyOutErrorPct === null ? '—' : `${p.familyOutErrorPct >= 0 ? '+' : ''}${formatValue(p.familyOutErrorPct)} %`,
        ]),
        ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
    );
  }
  return out;
}

/** Each target's parity with the `.apr` function (parity.targets), known differences named with their reason. */
export function renderTargetParity(p: Parity): string[] {
  const targets = p.targets as unknown as Record<string, TargetParity> | undefined;
  if (!targets || typeof targets !== 'object' || Object.keys(targets).length === 0) return [];
  const out = [
    '| target vs .apr | payloads | answered by both | refused by both | largest \\|quality difference\\| | labels | mismatches (known) |',
    '|---|---:|---:|---:|---:|---|---:|',
  ];
  for (const [key, t] of Object.entries(targets)) {
    out.push(
      `| ${mdCell(key)} | ${t.payloads} | ${t.answeredByBoth} | ${t.rejectedByBoth} | ${t.maxAbsQualityDiff === null ? 'n/a' : t.maxAbsQualityDiff.toExponential(2)} | ` +
        `${t.identical ? (t.knownDifferences.length > 0 ? `identical but for ${t.knownDifferences.length} known difference${t.knownDifferences.length === 1 ? '' : 's'} (below)` : 'identical') : '**differ**'} | ${t.mismatches} (${t.knownDifferences.length}) |`,
    );
  }
  out.push('');
  for (const [key, t] of Object.entries(targets)) {
    for (const d of t.knownDifferences) out.push(`- ${mdCell(key)}, known difference on "${mdCell(d.payload)}": ${mdCell(d.problem)}. Why: ${mdCell(d.why)}.`);
    for (const m of t.unexpectedMismatches) out.push(`- ${mdCell(key)}, **mismatch** on "${mdCell(m.payload)}": ${mdCell(m.problem)}`);
  }
  if (out[out.length - 1] !== '') out.push('');
  return out;
}
