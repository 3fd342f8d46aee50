import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A list of fixed-height rows that renders only what is in view (plus a margin), so 100,000 keys
 * scroll as fast as 100. `scrollTo` brings a row into view when it changes (keyboard selection).
 */
export function VirtualList<T>({
  items,
  rowHeight,
  render,
  getKey,
  scrollToIndex,
  overscan = 12,
  className,
  testId,
  onVisible,
}: {
  items: readonly T[];
  rowHeight: number;
  render: (item: T, index: number) => ReactNode;
  getKey: (item: T) => string;
  scrollToIndex?: number;
  overscan?: number;
  className?: string;
  testId?: string;
  /** Called with the first and last index rendered (to load more when the end comes into view). */
  onVisible?: (first: number, last: number) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 400);
    measure();
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(measure) : undefined;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (!el || scrollToIndex === undefined || scrollToIndex < 0) return;
    const top = scrollToIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  }, [scrollToIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length - 1, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    if (items.length > 0) onVisible?.(first, last);
  }, [first, last, items.length, onVisible]);

  // Rows are keyed by their slot in the window, not by item: scrolling updates the same DOM nodes
  // in place instead of unmounting and mounting a screenful of rows every frame.
  const slots = Math.max(1, last - first + 1);
  const visible: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    const item = items[i]!;
    visible.push(
      <div key={i % slots} data-row-key={getKey(item)} className="drover-vrow" style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
        {render(item, i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={className} data-testid={testId} style={{ overflowY: 'auto', position: 'relative' }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>{visible}</div>
    </div>
  );
}
