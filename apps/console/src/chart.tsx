import type { EndpointStats } from './api';

/**
 * Success rate (bars) and p95 latency (line) over the window's buckets, as inline SVG: nothing to download, and a
 * fixed size, so the page does not move when it arrives.
 */
export function EndpointChart({ series }: { series: EndpointStats['series'] }) {
  const width = 480;
  const height = 120;
  const bar = width / series.length;
  const maxLatency = Math.max(1, ...series.map((p) => p.p95LatencyMs ?? 0));
  const line = series
    .map((p, i) =>
      p.p95LatencyMs === null ? null : `${i * bar + bar / 2},${height - (p.p95LatencyMs / maxLatency) * (height - 10)}`,
    )
    .filter(Boolean)
    .join(' ');
  const total = series.reduce((sum, p) => sum + p.attempts, 0);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Success rate and p95 latency over ${series.length} intervals`}
      >
        {series.map((p, i) =>
          p.successRate === null ? null : (
            <rect
              key={p.from}
              x={i * bar + 1}
              width={bar - 2}
              y={height - p.successRate * height}
              height={p.successRate * height}
              className={p.successRate < 0.9 ? 'bar bad' : 'bar'}
            >
              <title>{`${new Date(p.from).toLocaleString()}: ${Math.round(p.successRate * 100)} % of ${p.attempts} attempts`}</title>
            </rect>
          ),
        )}
        {line && <polyline points={line} className="latency" />}
      </svg>
      <figcaption>
        Bars: success rate per interval · line: p95 latency (max {maxLatency} ms) · {total} attempts
      </figcaption>
    </figure>
  );
}
