import { memo, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Fixed-height rows of which only those in view (plus a margin) are in the DOM. Rows are keyed by
 * their item, so when the order shifts (a job ahead of them finished) the same row elements move
 * instead of every slot re-rendering with another item; a row re-renders only when its own data
 * changed (its component is memoized and selects its own item).
 */
export const VirtualRows = memo(function VirtualRows({
  keys,
  rowHeight,
  renderRow,
  overscan = 8,
  className,
  testId,
}: {
  keys: readonly string[];
  rowHeight: number;
  renderRow: (key: string) => ReactNode;
  overscan?: number;
  className?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 600);
    measure();
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(measure) : undefined;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(keys.length - 1, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const visible: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    const key = keys[i]!;
    visible.push(
      // Placed by top, as the etcd list does: moving rows then costs a small layout, not a transform node per row.
      <div key={key} className="drover-vrow" style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
        {renderRow(key)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={className} data-testid={testId} style={{ overflowY: 'auto', position: 'relative' }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div style={{ height: keys.length * rowHeight, position: 'relative' }}>{visible}</div>
    </div>
  );
});
