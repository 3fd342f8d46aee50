import { useState, type ReactNode } from 'react';

/**
 * A value that lights up for a moment when it changes while shown (the overview's "changed just
 * now"): the first value is drawn plainly; each new one re-mounts the span, restarting the fade.
 */
export function FlashValue({ value, children, testId }: { value: string | number | undefined; children?: ReactNode; testId?: string }) {
  const [seen, setSeen] = useState(value);
  const [version, setVersion] = useState(0);
  if (value !== seen) {
    // Derived state: React re-renders at once with the new version (no effect, no flicker).
    setSeen(value);
    setVersion((v) => v + 1);
  }
  return (
    <span key={version} className={version > 0 ? 'drover-miners-flash' : undefined} data-testid={testId} data-changed={version > 0 ? 'true' : undefined}>
      {children ?? value ?? '—'}
    </span>
  );
}
