/**
 * Tab and Shift+Tab kept inside a set of regions (a dialog and the control bar above it): from the
 * last focusable element to the first and back, so a keyboard user never lands on the page under a
 * modal dialog and never loses the Emergency Stop.
 */
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), video[controls], [tabindex]:not([tabindex="-1"])';

export function focusablesIn(regions: readonly HTMLElement[]): HTMLElement[] {
  return regions.flatMap((region) => [...region.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => !e.closest('[inert]') && e.getClientRects().length > 0));
}

export function trapFocus(event: KeyboardEvent, regions: readonly HTMLElement[]): void {
  const focusables = focusablesIn(regions);
  const first = focusables[0];
  const last = focusables[focusables.length - 1];
  if (!first || !last) return;
  const active = document.activeElement;
  const inside = focusables.some((e) => e === active);
  if (!inside || (event.shiftKey ? active === first : active === last)) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}
