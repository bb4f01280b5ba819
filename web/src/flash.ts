/** A one-shot message carried across a navigation ("Created 3CX."), shown by the next page. */
let pending: string | null = null;

export function setFlash(message: string): void {
  pending = message;
}

/** Returns the message and forgets it after this tick (so a double render in StrictMode still sees it). */
export function takeFlash(): string | null {
  const message = pending;
  if (message) setTimeout(() => {
    if (pending === message) pending = null;
  }, 0);
  return message;
}
