/**
 * `npm run bench`: Tessera and the oidc-provider reference side by side, alternating (Tessera, reference, Tessera, …)
 * so only same-run ratios are compared; servers on CPU 0, load on CPU 1, 32 connections, a warm-up, then a fixed
 * measured window, each scenario repeated and the median reported. Also two ceilings: a Fastify hello-world and one
 * ES256 signature. Writes bench/RESULTS.md (bench/RESULTS-postgres.md with BENCH_DATABASE_URL).
 *
 * Env: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 3), BENCH_REPEAT (3), BENCH_SCENARIOS (comma list of name
 * fragments), BENCH_TARGETS (tessera,reference), BENCH_QUICK=1 (2 s, 1 s warm-up, 1 repeat), BENCH_DATABASE_URL.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scenarios, type Scenario } from './scenarios.js';
import { rssMb, wrk, type LoadResult } from './measure.js';
import { startTessera } from './targets/tessera.js';
import { startReference } from './targets/reference.js';
import { es256SignMicros, startHello } from './targets/ceilings.js';
import type { RunningTarget } from './targets/target.js';

const root = path.resolve(import.meta.dirname, '..');
const quick = process.env.BENCH_QUICK === '1';
const duration = Number(process.env.BENCH_DURATION ?? (quick ? 2 : 10));
const warmup = Number(process.env.BENCH_WARMUP ?? (quick ? 1 : 3));
const repeat = Number(process.env.BENCH_REPEAT ?? (quick ? 1 : 3));
const targetNames = (process.env.BENCH_TARGETS ?? 'tessera,reference').split(',').map((s) => s.trim());
const filters = (process.env.BENCH_SCENARIOS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);

/** Goals from the performance issue: ratio Tessera/reference, or Tessera/hello-world for precomputed documents. */
const GOALS: Record<string, { against: 'reference' | 'hello'; ratio: number }> = {
  'client_credentials (JWT)': { against: 'reference', ratio: 3.5 },
  'client_credentials (opaque)': { against: 'reference', ratio: 3 },
  'introspection (opaque)': { against: 'reference', ratio: 4 },
  'introspection (JWT)': { against: 'reference', ratio: 4 },
  discovery: { against: 'hello', ratio: 0.85 },
  JWKS: { against: 'hello', ratio: 0.85 },
  'code flow, SSO session': { against: 'reference', ratio: 2 },
  'refresh_token (rotation)': { against: 'reference', ratio: 2 },
};

function median(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

async function main(): Promise<void> {
  process.stdout.write('building Tessera…\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const signMicros = es256SignMicros();
  process.stdout.write(`ES256 signature on one core: ${signMicros.toFixed(1)} µs (${fmt(1e6 / signMicros)} /s)\n`);

  const hello = await startHello(root, 9301);
  const targets: RunningTarget[] = [];
  if (targetNames.includes('tessera')) targets.push(await startTessera(root, 9302));
  if (targetNames.includes('reference')) targets.push(await startReference(root, 9303));
  const rss: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, [rssMb(t.pid)]]));

  try {
    const helloRuns: LoadResult[] = [];
    await wrk({ url: hello.url, seconds: warmup, connections: 32, serverPid: hello.pid });
    for (let i = 0; i < repeat; i++) helloRuns.push(await wrk({ url: hello.url, seconds: duration, connections: 32, serverPid: hello.pid }));
    const helloMedian = median(helloRuns);
    const helloRate = helloMedian.rate;
    process.stdout.write(`Fastify hello-world: ${fmt(helloRate)} req/s, ${fmt(helloMedian.cpuMicros)} µs CPU per request\n`);

    const chosen = scenarios.filter((s) => filters.length === 0 || filters.some((f) => s.name.toLowerCase().includes(f)));
    const rows: { scenario: Scenario; results: Record<string, LoadResult> }[] = [];
    for (const scenario of chosen) {
      const runs: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
      for (const t of targets) await scenario.load(t, warmup);
      for (let i = 0; i < repeat; i++) {
        for (const t of targets) {
          const r = await scenario.load(t, duration);
          runs[t.name]!.push(r);
          rss[t.name]!.push(rssMb(t.pid));
          process.stdout.write(`  ${scenario.name.padEnd(30)} ${t.name.padEnd(9)} ${fmt(r.rate).padStart(8)} ${scenario.unit}  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  errors ${r.errors}  non-2xx ${r.non2xx}  cpu ${fmt(r.cpuMicros)} µs  rss ${rssMb(t.pid)} MB\n`);
        }
      }
      rows.push({ scenario, results: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) });
    }
    const report = renderReport(rows, helloMedian, signMicros, rss);
    process.stdout.write(`\n${report}\n`);
    if (!quick && filters.length === 0 && targets.length === 2) writeFileSync(path.join(root, 'bench', process.env.BENCH_DATABASE_URL ? 'RESULTS-postgres.md' : 'RESULTS.md'), report);
  } finally {
    for (const t of targets) await t.stop();
    await hello.stop();
  }
}

function renderReport(rows: { scenario: Scenario; results: Record<string, LoadResult> }[], hello: LoadResult, signMicros: number, rss: Record<string, number[]>): string {
  const helloRate = hello.rate;
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.arch();
  const version = (JSON.parse(readFileSync(path.join(root, 'node_modules/oidc-provider/package.json'), 'utf8')) as { version: string }).version;
  const lines = [
    '# Benchmark results',
    '',
    `Date: ${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${cpu} · ${os.cpus().length} cores · reference: oidc-provider ${version}`,
    `Conditions: server on CPU 0, load generator on CPU 1 (wrk -t1 -c32, or the flow driver with 32 loops), ${warmup} s warm-up, ${duration} s measured, median of ${repeat}; database ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}; production password hashing (scrypt N=32768).`,
    '',
    `Ceilings in the same run: Fastify hello-world ${fmt(helloRate)} req/s (${fmt(hello.cpuMicros)} µs CPU per request); one ES256 signature ${signMicros.toFixed(1)} µs (${fmt(1e6 / signMicros)}/s).`,
    '',
    '| scenario | Tessera | reference | ratio | goal | p50 / p99 ms (Tessera) | server CPU µs/op (T / ref) | errors, non-2xx (T / ref) |',
    '|---|---:|---:|---:|---|---|---|---|',
  ];
  for (const { scenario, results } of rows) {
    const t = results.tessera;
    const r = results.reference;
    // A reference that answered errors did not do the work (oidc-provider cannot introspect its JWT access tokens).
    const ratio = t && r && r.non2xx === 0 && r.errors === 0 ? t.rate / r.rate : NaN;
    const goal = GOALS[scenario.name];
    let verdict = '';
    if (goal && t && (goal.against === 'hello' || Number.isFinite(ratio))) {
      const value = goal.against === 'hello' ? t.rate / helloRate : ratio;
      verdict = `${goal.against === 'hello' ? `≥ ${goal.ratio * 100}% of hello-world (${fmt(value * 100)}%)` : `≥ ${goal.ratio}×`} ${value >= goal.ratio ? '**PASS**' : '**MISS**'}`;
    }
    lines.push(
      `| ${scenario.name} (${scenario.unit}) | ${fmt(t?.rate ?? NaN)} | ${fmt(r?.rate ?? NaN)} | ${fmt(ratio, 2)}× | ${verdict} | ${fmt(t?.p50Ms ?? NaN, 2)} / ${fmt(t?.p99Ms ?? NaN, 2)} | ${fmt(t?.cpuMicros ?? NaN)} / ${fmt(r?.cpuMicros ?? NaN)} | ${t ? `${t.errors}, ${t.non2xx}` : '–'} / ${r ? `${r.errors}, ${r.non2xx}` : '–'} |`,
    );
  }
  lines.push('', `Server RSS across the run (MB): ${Object.entries(rss).map(([k, v]) => `${k} ${v.join(' → ')}`).join('; ')}`, '');
  // What bounds each figure, kept by hand next to the generated table.
  const notes = path.join(root, 'bench', process.env.BENCH_DATABASE_URL ? 'NOTES-postgres.md' : 'NOTES.md');
  if (existsSync(notes)) lines.push(readFileSync(notes, 'utf8'));
  return lines.join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
