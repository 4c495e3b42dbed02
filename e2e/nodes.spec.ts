import { expect, test } from '@playwright/test';
import { openStudio } from './studio.ts';

// The e2e host is embedded (no --farm): its Nodes view says so plainly and lists no node.
// The farm's own view (three live nodes) is shot by scripts/nodes-screenshots.ts against a real Redis.
test('the Nodes view of an embedded studio says this machine renders alone', async ({ page }) => {
  await openStudio(page);
  await page.keyboard.press('4');
  await expect(page.getByTestId('tab-nodes')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('nodes')).toHaveAttribute('data-mode', 'embedded');
  await expect(page.getByTestId('nodes-summary')).toHaveText('Embedded: this machine renders alone.');
  await expect(page.getByTestId('nodes-table')).toHaveCount(0);
  expect(new URL(page.url()).hash).toBe('#nodes');
  // The view is linkable: a reload comes back to it.
  await page.reload();
  await expect(page.getByTestId('tab-nodes')).toHaveAttribute('aria-selected', 'true');
});
