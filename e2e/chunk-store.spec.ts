import { expect, test } from '@playwright/test';
import { openStudio, showView } from './studio.ts';

// The operator's chunk store panel against the real host: its space, a limit set and put back, and a
// clear that asks twice and is audited. Later specs share this host, so the limit goes back to the default.
test('the chunk store panel shows the space used, sets a limit, and clears after asking twice', async ({ page }) => {
  await openStudio(page);
  await showView(page, 'operator');
  const panel = page.getByTestId('chunk-store');
  await panel.scrollIntoViewIfNeeded();
  await expect(panel.getByTestId('chunk-store-used')).toContainText(/ of \d+(\.\d)? GiB/);
  await expect(panel.getByTestId('chunk-store-tone')).toHaveText(/room to spare|near the limit|at the limit/);

  await panel.getByTestId('chunk-store-limit').fill('lots');
  await panel.getByRole('button', { name: 'Set limit' }).click();
  await expect(panel.getByTestId('chunk-store-error')).toContainText('limit: enter a number of GiB');

  await panel.getByTestId('chunk-store-limit').fill('2');
  await panel.getByRole('button', { name: 'Set limit' }).click();
  await expect(panel.getByTestId('chunk-store-used')).toContainText('of 2.0 GiB');
  await expect(panel.getByTestId('chunk-store-detail')).toContainText('set by an operator');

  const clear = panel.getByTestId('chunk-store-clear');
  await clear.click();
  await expect(clear).toContainText('Press again');
  await clear.click();
  await expect(panel.getByTestId('chunk-store-note')).toContainText(/Cleared \d+ chunks?/);

  await panel.getByTestId('chunk-store-limit').fill('');
  await panel.getByRole('button', { name: 'Set limit' }).click();
  await expect(panel.getByTestId('chunk-store-detail')).toContainText('the default');

  // Who cleared the store, and why, is on record.
  await showView(page, 'history');
  await expect(page.locator('[data-testid^="audit-row-"][data-action="clear_chunk_store"]').first()).toBeVisible();
});
