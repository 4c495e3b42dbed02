import { expect, type Page, test } from '@playwright/test';
import { circuitState, openStudio, showView, renderFromScratch } from './studio.ts';

const CIRCUIT = 'video_interpolation';
/** The seed config (src-main/breaker/seed.ts); restored after each test because later specs share this host. */
const SEED = { failureThreshold: '5', recoveryTimeoutMs: '45000', successThreshold: '3', timeoutMs: '120000', maxConcurrent: '2' };

async function configure(page: Page, values: Partial<typeof SEED>): Promise<void> {
  for (const [field, value] of Object.entries(values)) await page.getByTestId(`circuit-field-${CIRCUIT}-${field}`).fill(value);
  await page.getByTestId(`circuit-apply-${CIRCUIT}`).click();
}

async function expectConfig(page: Page, values: Partial<typeof SEED>): Promise<void> {
  for (const [field, value] of Object.entries(values)) await expect(page.getByTestId(`circuit-field-${CIRCUIT}-${field}`)).toHaveValue(value);
}

/** The drilled circuit's calls chart holds at least one timeout and draws the deadline line. */
async function expectTimeoutsCharted(page: Page): Promise<void> {
  const chart = page.getByTestId(`calls-chart-${CIRCUIT}`);
  await expect(chart).toHaveAttribute('data-deadline-line', 'true', { timeout: 10_000 });
  await expect.poll(async () => Number(await chart.getAttribute('data-timeouts')), { timeout: 10_000 }).toBeGreaterThan(0);
  expect(Number(await chart.getAttribute('data-deadline-ms'))).toBeGreaterThan(0);
}

test.afterEach(async ({ page }) => {
  await openStudio(page);
  await showView(page, 'operator');
  if (await page.getByTestId('drills-off').isVisible()) await page.getByTestId('drills-off').click();
  await expect(page.getByTestId('drill-banner')).toHaveCount(0);
  await configure(page, SEED);
  await expectConfig(page, SEED);
});

test('a bad threshold shows the host error at the form and changes nothing', async ({ page }, testInfo) => {
  await openStudio(page);
  await showView(page, 'operator');
  await expectConfig(page, SEED);
  await configure(page, { timeoutMs: '-5' });
  const error = page.getByTestId(`circuit-settings-${CIRCUIT}`).getByRole('alert');
  await expect(error).toContainText('timeoutMs');
  await page.screenshot({ path: testInfo.outputPath('bad-input.png'), fullPage: true });

  // A fresh page reads the host's config: still the seed.
  await page.reload();
  await openStudio(page);
  await showView(page, 'operator');
  await expectConfig(page, SEED);
  await expect(page.getByTestId(`circuit-card-${CIRCUIT}`)).toContainText(`0/${SEED.failureThreshold}`);
});

test('a hang drill opens the interpolation circuit; stopping it lets the probes close it; the demo completes', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await openStudio(page);
  await showView(page, 'operator');
  // Its card in the operator's view, its chip in the queue view.
  const card = circuitState(page, CIRCUIT);
  await expect(page.getByTestId('circuit-card-video_export')).toBeVisible(); // the snapshot has arrived

  // One successful probe closes it: the demo's few interpolation calls may all be spent before half-open.
  // The deadline must stay above what the planner expects of the demo's smallest interpolation chunk
  // (about 2.3 s here, or the demo is refused at enqueue), so each hung call takes that long: two of them open it.
  const drill = { timeoutMs: '4000', failureThreshold: '2', recoveryTimeoutMs: '3000', successThreshold: '1' };
  await configure(page, drill);
  await expectConfig(page, drill);

  await page.getByTestId('drill-interpolation').selectOption('hang');
  await page.getByTestId('drills-apply').click();
  await expect(page.getByTestId('drill-banner')).toContainText('DRILL ACTIVE: interpolation=hang');

  await showView(page, 'queue');
  const before = new Set(await page.locator('[data-testid^="queue-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid'))));
  await renderFromScratch(page);
  await page.getByTestId('add-demo').click();
  const rows = page.locator('[data-testid^="queue-row-"]');
  await expect(rows).toHaveCount(before.size + 3);
  const drilled = (await rows.evaluateAll((trs) => trs.map((r) => r.getAttribute('data-testid')!))).filter((id) => !before.has(id)).map((id) => id.replace('queue-row-', ''));
  await expect(card).toHaveAttribute('data-state', 'open', { timeout: 120_000 });
  // The chip in the queue view said it; the card in the operator's view counts down to half-open.
  await showView(page, 'operator');
  await expect(page.getByTestId(`countdown-${CIRCUIT}`)).toBeVisible();
  // Its calls chart shows the hung calls as timeouts against the deadline they ran under, and still
  // does after a reload: the host's ring of recent calls refills it (whatever the drill's timeout is).
  await expectTimeoutsCharted(page);
  await page.screenshot({ path: testInfo.outputPath('open.png'), fullPage: true });
  await page.reload();
  await openStudio(page);
  await showView(page, 'operator');
  await expectTimeoutsCharted(page);
  await page.getByTestId(`calls-chart-${CIRCUIT}`).screenshot({ path: testInfo.outputPath('calls-chart.png') });

  // The probes after the recovery timeout must succeed to close the circuit: end the drill first,
  // and give interpolation its real deadline back (optical flow takes seconds; 4 s was for the hang).
  await page.getByTestId('drills-off').click();
  await expect(page.getByTestId('drill-banner')).toHaveCount(0);
  await configure(page, { timeoutMs: SEED.timeoutMs });
  // A first demo job waiting on the circuit may probe, and close it, the moment it turns half-open:
  // the card may never draw half_open, so the event log is what shows the circuit went through it.
  await expect(card).toHaveAttribute('data-state', /^(half_open|closed)$/, { timeout: 30_000 });
  const transition = (text: string) => page.getByTestId('event-log').locator('li[data-kind="circuit_transition"]', { hasText: text }).first();
  await expect(transition(`${CIRCUIT}: open → half_open`)).toBeVisible();
  // Half-open only closes on calls that succeed; the first demo's shots may already be past interpolation
  // (on a fallback method), so a second demo brings the probe traffic.
  await showView(page, 'queue');
  await renderFromScratch(page);
  await page.getByTestId('add-demo').click();
  await expect(card).toHaveAttribute('data-state', 'closed', { timeout: 60_000 });
  await showView(page, 'operator');
  await expect(transition(`${CIRCUIT}: half_open → closed`)).toBeVisible();
  await showView(page, 'queue');

  // The first demo's own calls may close the circuit before the second demo's rows are listed: wait for them.
  await expect(rows).toHaveCount(before.size + 6);
  const ids = (await rows.evaluateAll((trs) => trs.map((r) => r.getAttribute('data-testid')!))).filter((id) => !before.has(id));
  expect(ids).toHaveLength(6);
  for (const id of ids) await expect(page.getByTestId(id)).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
  await page.screenshot({ path: testInfo.outputPath('done.png'), fullPage: true });

  // Each job's trace says what the drill did to it. A job whose interpolation hung shows those failed
  // attempts, and then either the cheaper method it degraded to (also badged in its row) or the
  // retry that got through once the drill was off; a job turned away by the open circuit degraded.
  let hung = 0;
  for (const jobId of drilled) {
    await page.getByTestId(`job-details-${jobId}`).click();
    await expect(page.getByTestId('trace-attempts')).toBeVisible();
    const interpolation = page.locator('[data-testid="trace-attempt"][data-stage="interpolation"]');
    const hangs = await interpolation.and(page.locator('[data-outcome="failed"][data-chaos="hang"]')).count();
    const retriedOk = await interpolation.and(page.locator('[data-outcome="ok"]')).evaluateAll((trs) => trs.some((tr) => Number(tr.getAttribute('data-attempt')) > 1));
    const degradations = await page.getByTestId('trace-degradation').count();
    if (hangs > 0) {
      hung++;
      expect(degradations > 0 || retriedOk, `job ${jobId}: hung attempts, then a degradation or a successful retry`).toBe(true);
      // The log shown is the last failed attempt's: the hung ffmpeg the timeout killed.
      await expect(page.getByTestId('ffmpeg-log')).toContainText('[chaos: hang]');
      if (hung === 1) await page.getByTestId('job-detail').screenshot({ path: testInfo.outputPath('drilled-trace.png') });
    }
    if (degradations > 0) {
      await expect(page.getByTestId('trace-interpolation')).not.toContainText('used optical_flow');
      await expect(page.getByTestId('trace-degradation').first()).toContainText('interpolation: optical_flow →');
    }
    await page.getByTestId('job-detail-close').click();
    await expect(page.getByTestId('job-detail')).toHaveCount(0);
    if (degradations > 0) await expect(page.getByTestId(`degraded-${jobId}`)).toContainText('degraded: optical_flow →');
  }
  expect(hung, 'at least one job ran its interpolation under the hang drill').toBeGreaterThan(0);
});
