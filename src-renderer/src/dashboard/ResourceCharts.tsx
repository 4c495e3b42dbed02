import { memo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { clockTime } from '../format.ts';
import { useStudio } from '../store.ts';
import { DASH, usePalette } from './palette.ts';
import { RESOURCE_POINTS, ROLES, type ResourcePoint, type Role, missingReadings } from './resources.ts';

const ROLE_LABEL: Record<Role, string> = { host: 'host', worker: 'workers', ffmpeg: 'ffmpeg' };
const WINDOW_MS = RESOURCE_POINTS * 2000;
const GiB = 1024 ** 3;

const ago = (end: number) => (at: number) => {
  const s = Math.round((end - at) / 1000);
  return s <= 0 ? 'now' : `−${s >= 60 ? `${Math.round(s / 60)} min` : `${s} s`}`;
};
/** The newest reading with its unit, or why there is none. */
const latest = (points: ResourcePoint[], pick: (p: ResourcePoint) => number | null, unit: string) => {
  const last = points[points.length - 1];
  if (!last) return 'no sample yet';
  const value = pick(last);
  return value === null ? 'not measured' : `${value.toFixed(value >= 100 ? 0 : 1)}${unit === '%' ? '%' : ` ${unit}`}`;
};

/** One metric per role over the last five minutes. A null point is a gap in the line, never a zero. */
const RoleChart = memo(function RoleChart({ title, unit, points, pick, testId }: { title: string; unit: string; points: ResourcePoint[]; pick: (p: ResourcePoint, role: Role) => number | null; testId: string }) {
  const palette = usePalette();
  const end = points[points.length - 1]?.at ?? 0;
  const data = points.map((p) => ({ at: p.at, ...Object.fromEntries(ROLES.map((r) => [r, pick(p, r)])) }));
  const summary = ROLES.map((r) => `${ROLE_LABEL[r]} ${latest(points, (p) => pick(p, r), unit)}`).join(', ');
  return (
    <figure className="resource-chart" data-testid={testId} data-points={points.length}>
      <figcaption>
        {title} <span className="muted">({unit})</span>
      </figcaption>
      <div role="img" aria-label={`${title}, last 5 minutes; now ${summary}`}>
        <LineChart responsive style={{ width: '100%', height: 130 }} data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid stroke={palette.grid} strokeDasharray="2 3" vertical={false} />
          <XAxis dataKey="at" type="number" domain={[end - WINDOW_MS, end]} allowDataOverflow tickFormatter={ago(end)} tick={{ fontSize: 10, fill: palette.muted }} stroke={palette.grid} tickCount={6} />
          <YAxis width={36} tick={{ fontSize: 10, fill: palette.muted }} stroke={palette.grid} domain={[0, (max: number) => Math.max(unit === '%' ? 10 : 64, Math.ceil(max))]} />
          <Tooltip isAnimationActive={false} labelFormatter={(at) => clockTime(Number(at))} />
          {ROLES.map((r) => (
            <Line key={r} dataKey={r} name={ROLE_LABEL[r]} stroke={palette[r]} strokeDasharray={DASH[r]} strokeWidth={1.5} dot={false} isAnimationActive={false} connectNulls={false} type="linear" />
          ))}
        </LineChart>
      </div>
      <ul className="legend">
        {ROLES.map((r) => (
          <li key={r}>
            <svg width="16" height="6" className="legend-swatch" aria-hidden="true">
              <line x1="0" y1="3" x2="16" y2="3" stroke={palette[r]} strokeWidth="2" strokeDasharray={DASH[r]} />
            </svg>
            {ROLE_LABEL[r]} {latest(points, (p) => pick(p, r), unit)}
          </li>
        ))}
      </ul>
    </figure>
  );
});

const cpuOf = (p: ResourcePoint, r: Role) => p.cpu[r];
const memoryOf = (p: ResourcePoint, r: Role) => p.memoryMiB[r];

/** CPU and memory of the host, its workers and their ffmpeg, from the host's resource samples. */
export function ResourceCharts() {
  const points = useStudio((s) => s.resourceSeries);
  const sample = useStudio((s) => s.resources);
  const missing = sample ? missingReadings(sample) : [];
  const machine = sample?.machine;
  return (
    <section className="panel resources" aria-labelledby="resources-title" data-testid="resources">
      <header className="panel-header">
        <h2 id="resources-title">Resources</h2>
        <span className="muted" data-testid="resources-machine">
          {machine
            ? `machine: CPU ${machine.cpuPercent === null ? 'not measured' : `${machine.cpuPercent.toFixed(0)}%`} of ${machine.cores} cores · ` +
              `${(machine.availableBytes / GiB).toFixed(1)} of ${(machine.totalBytes / GiB).toFixed(1)} GiB memory free`
            : sample
              ? 'machine: not measured'
              : 'waiting for the first sample'}
        </span>
      </header>
      {missing.length ? (
        <div className="missing" role="status" data-testid="resources-missing">
          <strong>⚠ Not measured in the latest sample</strong> (shown as gaps, not zeros):
          <ul>
            {missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="resource-charts">
        <RoleChart title="CPU" unit="%" points={points} pick={cpuOf} testId="resource-chart-cpu" />
        <RoleChart title="Memory" unit="MiB" points={points} pick={memoryOf} testId="resource-chart-memory" />
      </div>
    </section>
  );
}
