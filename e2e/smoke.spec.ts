import { expect, test } from '@playwright/test';

test('the built renderer shows the studio with no console errors or CSP violations', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('StoryCore Studio');
  await expect(page.getByTestId('host')).toContainText('a browser');
  await expect(page).toHaveTitle('StoryCore Studio');

  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(problems).toEqual([]);
});
