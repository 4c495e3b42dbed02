/**
 * Times as the operator's locale writes them. One Intl formatter each, made once: Date's
 * toLocaleTimeString builds a new formatter on every call, which the timeline (a title per band,
 * redrawn every second) and the event log made a measurable part of each render.
 */
const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** Epoch ms → "11:37:23 PM" (or the locale's form). */
export const clockTime = (at: number) => TIME.format(at);
/** Epoch ms → date and time. */
export const dateTime = (at: number) => DATE_TIME.format(at);
