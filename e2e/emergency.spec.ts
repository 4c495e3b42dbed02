import { expect, test } from '@playwright/test';
import { CIRCUITS, openStudio } from './studio.ts';

test('emergency stop during a render latches every circuit, requeues the job; reset re-arms; resume completes', async ({ page }, testInfo) => {
  await openStudio(page);
  // Earlier specs share this host and leave their finished rows: count only the rows this test adds.
  await expect(page.getByTestId('circuit-card-video_export')).toBeVisible(); // the snapshot has arrived
  const earlier = await page.locator('[data-testid^="queue-row-"]').count();
  await page.getByTestId('add-demo').click();
  const rows = page.locator('[data-testid^="queue-row-"]');
  await expect(rows).toHaveCount(earlier + 3);
  const running = page.locator('[data-testid^="queue-row-"][data-status="running"]').first();
  await expect(running).toBeVisible({ timeout: 30_000 });
  const runningId = (await running.getAttribute('data-testid'))!;

  await page.getByTestId('emergency-stop').click();
  for (const name of CIRCUITS) await expect(page.getByTestId(`circuit-card-${name}`)).toHaveAttribute('data-state', 'forced_open');
  await expect(page.getByTestId(runningId)).toHaveAttribute('data-status', 'queued');
  await expect(page.getByTestId('stopped-banner')).toBeVisible();
  await expect(page.getByText(/emergency_stop — Emergency Stop button/)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('stopped.png'), fullPage: true });

  await page.getByTestId('resume').click();
  await expect(page.getByTestId('command-error')).toContainText('reset the circuits first');

  await page.getByTestId('reset').click();
  for (const name of CIRCUITS) await expect(page.getByTestId(`circuit-card-${name}`)).toHaveAttribute('data-state', 'closed');
  await page.waitForTimeout(1000);
  await expect(page.locator('[data-testid^="queue-row-"][data-status="running"]')).toHaveCount(0);

  await page.getByTestId('resume').click();
  await expect(page.locator('[data-testid^="queue-row-"][data-status="done"]')).toHaveCount(earlier + 3, { timeout: 150_000 });
  await page.screenshot({ path: testInfo.outputPath('done.png'), fullPage: true });
});
