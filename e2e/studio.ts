import { expect, type Page } from '@playwright/test';

/** Overridable so two checkouts can run their e2e suites side by side. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4174);
/** A fixed token for the test host; it only ever listens on loopback. */
export const E2E_TOKEN = 'e2e-token-0123456789abcdef';

/** One command to the shared host, as the API takes it; answers its result. */
async function hostCommand(page: Page, command: Record<string, unknown>): Promise<unknown> {
  const response = await page.request.post('/api/command', { headers: { Authorization: `Bearer ${E2E_TOKEN}` }, data: { command } });
  expect(response.ok(), await response.text()).toBe(true);
  return ((await response.json()) as { result: unknown }).result;
}

/**
 * Opens the studio through the token link (which sets the cookie) and waits for the live connection.
 * The specs share one host: one that failed with the emergency stop latched would leave every spec
 * after it on a stopped host, so a latched stop is reset and resumed first (no spec opens the
 * studio while its own stop is meant to hold).
 */
export async function openStudio(page: Page): Promise<void> {
  const snapshot = (await hostCommand(page, { type: 'snapshot' })) as { queue: { stopped: unknown } };
  if (snapshot.queue.stopped) {
    await hostCommand(page, { type: 'reset', reason: 'an e2e spec starts on a running host' });
    await hostCommand(page, { type: 'resume', reason: 'an e2e spec starts on a running host' });
  }
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected');
}

const TABS = { queue: 'tab-queue', operator: 'tab-dashboard', history: 'tab-history' } as const;

/** Switches to a view by its tab (the Queue view is the first one on opening). */
export async function showView(page: Page, view: keyof typeof TABS): Promise<void> {
  await page.getByTestId(TABS[view]).click();
  await expect(page.getByTestId(TABS[view])).toHaveAttribute('aria-selected', 'true');
}

/** A circuit's state as the view on screen shows it: its card (operator's view) or its chip (queue view). */
export const circuitState = (page: Page, name: string) => page.locator(`[data-testid="circuit-card-${name}"], [data-testid="circuit-chip-${name}"]`);

export const CIRCUITS = ['video_frame_processing', 'video_interpolation', 'video_export', 'resource_monitoring', 'parallel_processing', 'error_retry', 'error_fallback'];

/**
 * Empties the host's chunk store (clearChunkStore). Specs share one host, and the demo rendered by an
 * earlier spec would otherwise be reused whole and finish at once: a spec that stops, drills or watches
 * a render in progress must render it anew.
 */
// Told apart: the event log lists each audit entry once, and two clears in one second would read
// alike (spec files run in separate worker processes, so a counter alone repeats).
export async function renderFromScratch(page: Page): Promise<void> {
  await hostCommand(page, { type: 'clearChunkStore', reason: `an e2e spec renders the demo anew (${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)})` });
}
