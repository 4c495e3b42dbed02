/** How a reading on a card is coloured; always shown with a word too, never by colour alone. */
export type Tone = 'ok' | 'warn' | 'bad' | 'idle';
