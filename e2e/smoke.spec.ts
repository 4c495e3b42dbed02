import { expect, test } from '@playwright/test';
import { CIRCUITS, E2E_TOKEN, openStudio, showView } from './studio.ts';

test('the studio loads in a browser from serve mode: seven closed circuits, live, under a strict CSP', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  const response = await page.goto(`/?token=${E2E_TOKEN}`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-');
  // The token left the address bar for an HttpOnly cookie.
  expect(page.url()).not.toContain(E2E_TOKEN);

  await openStudio(page);
  await expect(page).toHaveTitle('StoryCore Studio');
  // The artist's Queue view first, with every circuit's state in its strip; the operator's view a press away.
  await expect(page.getByTestId('tab-queue')).toHaveAttribute('aria-selected', 'true');
  for (const name of CIRCUITS) await expect(page.getByTestId(`circuit-chip-${name}`)).toHaveAttribute('data-state', 'closed');
  await expect(page.getByTestId('add-shot')).toBeVisible();
  await page.keyboard.press('2');
  for (const name of CIRCUITS) {
    await expect(page.getByTestId(`circuit-card-${name}`)).toHaveAttribute('data-state', 'closed');
  }
  await expect(page.getByTestId('emergency-stop')).toBeEnabled();
  await expect(page.getByTestId('emergency-stop')).toContainText('Ctrl+Shift+Backspace');
  // The dashboard's parts, each with a row or a chart per thing it shows.
  await expect(page.locator('[data-testid^="timeline-row-"]')).toHaveCount(CIRCUITS.length);
  await expect(page.getByTestId('resources')).toBeVisible();
  await expect(page.getByTestId('event-log')).toBeVisible();
  await expect(page.getByTestId('tab-dashboard')).toHaveAttribute('aria-selected', 'true');
  // Recharts draws into the page under the strict CSP: any blocked style or script would be a console error.
  await page.waitForTimeout(2500);
  expect(problems).toEqual([]);
});

test('without the token the studio answers 401', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(401);
});
