/**
 * A real Prometheus (the distribution's binary) scrapes serve mode's /metrics every second while a
 * shot renders; then every query of resilience4j's own Grafana dashboard, and of ours, must return
 * data from Prometheus's HTTP API, as Grafana would get it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, generateToken, startServer } from '../../src-main/transport/http-server.ts';
import { openStudio, tinyProject, until } from '../host/helpers.ts';

const probe = spawnSync('prometheus', ['--version'], { encoding: 'utf8', timeout: 10_000 });
const missing = probe.error ? `the prometheus binary is not installed (${probe.error.message}); .ci/run installs the prometheus package` : null;
if (missing) console.log(`[prometheus] skipped: ${missing}`);

/** A circuit, a retry and a bulkhead name that the render below certainly used. */
const CIRCUIT = 'video_export';
const RETRY = 'export';

/**
 * The queries resilience4j's grafana_dashboard.json (in its repository's root) issues: every panel
 * target's expr and every template variable's query, in the dashboard's order, with its template
 * variables substituted as Grafana would: $instance by our target, $circuitbreaker_name and
 * $bulkhead_name by a real circuit, $retry_name by a real retry, and $application by the empty
 * string Grafana puts in for a variable without values (see jvm_info below). label_values(m, l) is
 * asked the way Grafana's Prometheus source asks it: /api/v1/label/l/values?match[]=m.
 */
const RESILIENCE4J_PANEL_QUERIES = [
  'sum(resilience4j_circuitbreaker_state{state="closed"})',
  'sum(resilience4j_circuitbreaker_state{state=~"open|forced_open"})',
  'resilience4j_circuitbreaker_state{instance=~"$instance"}',
  'sum(resilience4j_circuitbreaker_state{state="half_open"})',
  'resilience4j_circuitbreaker_failure_rate{instance=~"$instance",name=~"$circuitbreaker_name"}',
  'rate(resilience4j_circuitbreaker_calls_seconds_count{instance=~"$instance",name=~"$circuitbreaker_name"}[1m])',
  'resilience4j_circuitbreaker_buffered_calls{instance=~"$instance",name=~"$circuitbreaker_name"}',
  'resilience4j_circuitbreaker_max_buffered_calls{instance=~"$instance",name=~"$circuitbreaker_name"}',
  'increase(resilience4j_circuitbreaker_calls_seconds_sum{instance=~"$instance",name=~"$circuitbreaker_name"}[1m]) / increase(resilience4j_circuitbreaker_calls_seconds_count{instance=~"$instance",name=~"$circuitbreaker_name"}[1m])',
  'sum(increase(resilience4j_circuitbreaker_calls_seconds_sum{instance=~"$instance",name=~"$circuitbreaker_name"}[1m])) / sum(increase(resilience4j_circuitbreaker_calls_seconds_count{instance=~"$instance",name=~"$circuitbreaker_name"}[1m]))',
  'rate(resilience4j_retry_calls_total{application=~"$application",name=~"$retry_name",}[1m])',
  'resilience4j_bulkhead_available_concurrent_calls{application=~"$application", name=~"$bulkhead_name"}',
  'resilience4j_bulkhead_max_allowed_concurrent_calls{application=~"$application",name=~"$bulkhead_name"}',
];
const RESILIENCE4J_VARIABLE_QUERIES = [
  'label_values(resilience4j_circuitbreaker_state,instance)',
  'label_values(resilience4j_circuitbreaker_state, name)',
  'label_values(resilience4j_retry_calls_total,name)',
  'label_values(resilience4j_bulkhead_available_concurrent_calls, name)',
];
/**
 * The dashboard's one other variable, `application`, lists the values of jvm_info, a metric of
 * Micrometer's JVM binder. A Node process has no JVM to describe, and we do not make one up: this
 * query stays empty, Grafana then puts in "" and the panels that filter by it still match (above).
 */
const RESILIENCE4J_JVM_QUERY = 'label_values(jvm_info,application)';

const ourDashboard = JSON.parse(readFileSync(fileURLToPath(new URL('../../resources/monitoring/grafana-dashboard.json', import.meta.url)), 'utf8')) as {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { type: string; query?: { query: string } }[] };
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(missing !== null)('a real Prometheus scraping serve mode', () => {
  let opened: Awaited<ReturnType<typeof openStudio>>;
  let server: RunningServer;
  let prometheus: ChildProcess;
  let prometheusLog = '';
  let api = '';
  let instance = '';
  const tempDir = mkdtempSync(join(tmpdir(), 'storycore-prometheus-'));

  /** One PromQL query or label_values(...) against Prometheus's HTTP API: the series or values it answers. */
  async function ask(query: string): Promise<unknown[]> {
    const labelValues = /^label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*([a-zA-Z_]\w*)\s*\)$/.exec(query);
    const url = labelValues
      ? `${api}/api/v1/label/${labelValues[2]}/values?${new URLSearchParams({ 'match[]': labelValues[1]! })}`
      : `${api}/api/v1/query?${new URLSearchParams({ query })}`;
    const res = await fetch(url);
    const body = (await res.json()) as { status: string; error?: string; data: unknown[] | { result: unknown[] } };
    if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
    return Array.isArray(body.data) ? body.data : body.data.result;
  }

  const substitute = (query: string, vars: Record<string, string>) => query.replace(/\$(\w+)/g, (whole, name: string) => vars[name] ?? whole);

  beforeAll(async () => {
    opened = await openStudio();
    const token = generateToken();
    server = await startServer({ studio: opened.studio, host: '127.0.0.1', port: 0, token, rendererDir: null });
    instance = `127.0.0.1:${server.port}`;
    const promPort = await freePort();
    api = `http://127.0.0.1:${promPort}`;
    const config = join(tempDir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: storycore',
        '    metrics_path: /metrics',
        `    authorization: { type: Bearer, credentials: "${token}" }`,
        `    static_configs: [{ targets: ["${instance}"] }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(tempDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    prometheus.stderr!.on('data', (chunk: Buffer) => (prometheusLog = (prometheusLog + chunk.toString()).slice(-4000)));

    // Calls happen: one small shot through every stage, while Prometheus scrapes.
    const reply = await opened.studio.execute({ type: 'enqueue', project: tinyProject(['metrics']) }, 'tester');
    if (!reply.ok) throw new Error(reply.error.message);
    const jobId = (reply.result as { id: string }[])[0]!.id;
    await until(() => opened.job(jobId).status === 'done', 40_000, 'the shot has rendered');

    // Scraped up and healthy, with the render's calls in at least two samples taken after it ended.
    const ended = Date.now() / 1000;
    for (;;) {
      const up = await ask(`up{instance="${instance}"} == 1`).catch(() => []);
      const after = (await ask(`count_over_time(storycore_queue_jobs{status="done",instance="${instance}"}[10s] @ ${Math.ceil(Date.now() / 1000)})`).catch(() => [])) as { value: [number, string] }[];
      if (up.length > 0 && after.length > 0 && Number(after[0]!.value[1]) >= 3 && Date.now() / 1000 > ended + 2) break;
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited: ${prometheusLog}`);
      if (Date.now() / 1000 > ended + 20) throw new Error(`prometheus did not scrape the studio in time: ${prometheusLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await server?.close();
    await opened?.cleanup();
    rmSync(tempDir, { recursive: true, force: true });
  });

  it("answers every query of resilience4j's dashboard with data", async () => {
    const vars = { instance, circuitbreaker_name: CIRCUIT, bulkhead_name: CIRCUIT, retry_name: RETRY, application: '' };
    const empty: string[] = [];
    for (const query of [...RESILIENCE4J_PANEL_QUERIES, ...RESILIENCE4J_VARIABLE_QUERIES]) {
      if ((await ask(substitute(query, vars))).length === 0) empty.push(query);
    }
    expect(empty).toEqual([]);
    expect(await ask(RESILIENCE4J_JVM_QUERY)).toEqual([]);
    expect(await ask('label_values(resilience4j_retry_calls_total,name)')).toContain(RETRY);
  });

  it('has latency percentiles from the buckets that lie within the calls the render made', async () => {
    const [p99] = (await ask(`histogram_quantile(0.99, sum by (le) (resilience4j_circuitbreaker_calls_seconds_bucket{name="${CIRCUIT}",kind="successful"}))`)) as { value: [number, string] }[];
    const seconds = Number(p99!.value[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(600);
  });

  it("answers every query of our own dashboard with data", async () => {
    const vars = { instance, circuit: CIRCUIT };
    const queries = [
      ...ourDashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...ourDashboard.templating.list.flatMap((v) => (v.type === 'query' && v.query ? [v.query.query] : [])),
    ];
    expect(queries.length).toBeGreaterThanOrEqual(12);
    const empty: string[] = [];
    for (const query of queries) {
      // label_values with a selector: asked as Grafana does, with the selector as match[].
      const selector = /^label_values\((.+),\s*(\w+)\)$/.exec(substitute(query, vars));
      const answer = selector
        ? ((await (await fetch(`${api}/api/v1/label/${selector[2]}/values?${new URLSearchParams({ 'match[]': selector[1]! })}`)).json()) as { data: string[] }).data
        : await ask(substitute(query, vars));
      if (answer.length === 0) empty.push(query);
    }
    expect(empty).toEqual([]);
  });
});
