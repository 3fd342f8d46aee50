import { useId } from 'react';

/**
 * A tiny line-and-area chart of the last values (oldest first), scaled to its own maximum.
 * Colored by the CSS `color` of its container, so it follows the theme. `slots` fixes the
 * x-scale, so a fresh series grows from the right instead of stretching.
 */
export function Sparkline({
  values,
  slots,
  width = 96,
  height = 22,
  title,
  testId,
}: {
  values: readonly number[];
  slots: number;
  width?: number;
  height?: number;
  title?: string;
  testId?: string;
}) {
  const gradientId = `spark-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`;
  const max = Math.max(0, ...values);
  const n = Math.max(slots, values.length);
  const step = n > 1 ? width / (n - 1) : width;
  const pad = 1.5;
  const y = (v: number) => (max > 0 ? height - pad - (v / max) * (height - 2 * pad) : height - pad);
  const x0 = width - (values.length - 1) * step;
  const points = values.map((v, i) => `${(x0 + i * step).toFixed(1)},${y(v).toFixed(1)}`);
  const line = points.length > 1 ? `M${points.join('L')}` : '';
  const area = points.length > 1 ? `${line}L${width.toFixed(1)},${height}L${x0.toFixed(1)},${height}Z` : '';
  return (
    <svg
      className="drover-sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={title}
      data-testid={testId}
      data-points={values.length}
      data-max={Math.round(max)}
    >
      {title && <title>{title}</title>}
      <defs>
        <linearGradient id={gradientId} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0%" stopColor="currentColor" stopOpacity={0.35} />
          <stop offset="100%" stopColor="currentColor" stopOpacity={0.03} />
        </linearGradient>
      </defs>
      <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} stroke="currentColor" strokeOpacity={0.25} strokeWidth={1} />
      {area && <path d={area} fill={`url(#${gradientId})`} stroke="none" />}
      {line && <path d={line} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" strokeLinecap="round" />}
    </svg>
  );
}
