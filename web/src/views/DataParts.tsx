import type { DatasetVersionInfo, MonitorFeature, MonitorStatus, VersionResults } from '@keel/api';
import { useResource } from '../api/hooks';
import { Distribution } from '../charts/lazy';
import { Code, Empty, Status } from '../components/bits';
import { DataTable } from '../components/DataTable';
import { dateTime, decimal, int, pct } from '../lib/format';

type Drift = VersionResults['drifts'][number] & { dataset: string; version: string };

const QUANTILES = ['0.01', '0.05', '0.1', '0.25', '0.5', '0.75', '0.9', '0.95', '0.99'];

/** Per-column results of one drift run, and the two distributions of each drifted column. */
export function DriftDetail({ run }: { run: Drift }) {
  const current = Number(run.version.split('@')[1]);
  const enc = encodeURIComponent(run.dataset);
  const [cur] = useResource<DatasetVersionInfo>(`/datasets/${enc}/versions/${current}`);
  const [ref] = useResource<DatasetVersionInfo>(
    current > 1 ? `/datasets/${enc}/versions/${current - 1}` : null,
  );
  const drifted = run.report.columns.filter((c) => c.drifted).slice(0, 4);
  const profiles =
    cur.status === 'ok' && ref.status === 'ok' ? { cur: cur.data.profile, ref: ref.data.profile } : null;
  return (
    <>
      <h3>Columns of {run.version}</h3>
      <DataTable
        caption={`Drift per column of ${run.version}`}
        columns={[
          { key: 'column', header: 'Column', value: (c) => c.column },
          { key: 'type', header: 'Type', value: (c) => c.type },
          { key: 'method', header: 'Test', value: (c) => c.method },
          {
            key: 'statistic',
            header: 'Statistic',
            numeric: true,
            value: (c) => c.statistic,
            render: (c) => decimal(c.statistic),
          },
          {
            key: 'p_value',
            header: 'p-value',
            numeric: true,
            value: (c) => c.p_value,
            render: (c) => (c.p_value === null ? '—' : c.p_value.toPrecision(3)),
          },
          {
            key: 'threshold',
            header: 'Threshold',
            numeric: true,
            value: (c) => c.threshold,
            render: (c) => decimal(c.threshold),
          },
          {
            key: 'drifted',
            header: 'Result',
            value: (c) => (c.drifted ? 'drifted' : 'stable'),
            render: (c) => (
              <Status level={c.drifted ? 'warn' : 'ok'}>{c.drifted ? 'drifted' : 'stable'}</Status>
            ),
          },
        ]}
        rows={run.report.columns}
        rowKey={(c) => c.column}
        filename={`keel-drift-${run.dataset}`}
        empty={<Empty title="No columns were compared" />}
      />
      {drifted.length > 0 && profiles?.cur && profiles.ref ? (
        <div className="grid-2" style={{ marginTop: '1rem' }}>
          {drifted.map((c) => {
            const r = profiles.ref?.columns.find((x) => x.name === c.column);
            const k = profiles.cur?.columns.find((x) => x.name === c.column);
            if (!r || !k) return null;
            if (r.numeric && k.numeric) {
              const rq = r.numeric.quantiles;
              const kq = k.numeric.quantiles;
              return (
                <Distribution
                  key={c.column}
                  title={`${c.column}: quantiles, version ${current - 1} vs ${current}`}
                  summary={`${c.column}: median ${decimal(rq['0.5'])} → ${decimal(kq['0.5'])} (reference version ${current - 1}, current ${current}).`}
                  points={QUANTILES.map((q) => ({
                    bin: `p${Math.round(Number(q) * 100)}`,
                    reference: rq[q] ?? null,
                    current: kq[q] ?? null,
                  }))}
                  fmt={decimal}
                />
              );
            }
            const bins = [...new Set([...(r.top ?? []), ...(k.top ?? [])].map((t) => t.value))].slice(0, 10);
            const share = (top: typeof r.top, rows: number, v: string) =>
              rows > 0 ? (top?.find((t) => t.value === v)?.count ?? 0) / rows : null;
            return (
              <Distribution
                key={c.column}
                title={`${c.column}: most frequent values, version ${current - 1} vs ${current}`}
                summary={`${c.column}: share of rows per value (reference version ${current - 1}, current ${current}).`}
                points={bins.map((v) => ({
                  bin: v.length > 14 ? `${v.slice(0, 13)}…` : v,
                  reference: share(r.top, r.rows, v),
                  current: share(k.top, k.rows, v),
                }))}
                fmt={pct}
              />
            );
          })}
        </div>
      ) : null}
    </>
  );
}

type FeatureRow = MonitorFeature & { useCase: string };

function summary(m: Record<string, number>): string {
  return Object.entries(m)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 100 ? int(v) : decimal(v)}`)
    .join(', ');
}

const STATE_LEVEL = { ok: 'ok', drifting: 'warn', insufficient_data: 'unknown' } as const;

/** Live traffic monitors: one line per use case, then every monitored feature. */
export function MonitorTables({
  monitors,
  caption = 'Traffic monitors',
}: {
  monitors: MonitorStatus[];
  caption?: string;
}) {
  const features: FeatureRow[] = monitors.flatMap((m) =>
    m.features.map((f) => ({ ...f, useCase: m.useCase })),
  );
  if (monitors.length === 0)
    return (
      <Empty title="No traffic monitored yet">
        <p>
          Monitors start with a use case's first calls and compare each day with its first weeks (or a pinned
          dataset version: <Code>POST /api/data/monitors/:use_case/pin</Code>).
        </p>
      </Empty>
    );
  return (
    <>
      <DataTable
        caption={caption}
        columns={[
          { key: 'use_case', header: 'Use case', value: (m: MonitorStatus) => m.useCase },
          {
            key: 'reference',
            header: 'Reference',
            value: (m: MonitorStatus) => m.reference.source,
            render: (m: MonitorStatus) => (
              <>
                {m.reference.source === 'pinned' ? 'pinned dataset' : 'first weeks of traffic'}
                <span className="cell-sub">
                  {int(m.reference.events)} calls{m.reference.complete ? '' : ' · still collecting'}
                </span>
              </>
            ),
          },
          {
            key: 'current',
            header: 'Current window',
            numeric: true,
            value: (m: MonitorStatus) => m.current.events,
            render: (m: MonitorStatus) => `${int(m.current.events)} calls`,
          },
          {
            key: 'drifting',
            header: 'Drifting features',
            value: (m: MonitorStatus) => m.features.filter((f) => f.state === 'drifting').length,
            render: (m: MonitorStatus) => {
              const n = m.features.filter((f) => f.state === 'drifting').length;
              return (
                <Status level={n > 0 ? 'warn' : m.features.length === 0 ? 'unknown' : 'ok'}>
                  {n > 0 ? `${n} drifting` : 'none drifting'}
                </Status>
              );
            },
          },
          {
            key: 'last_run',
            header: 'Last run',
            value: (m: MonitorStatus) => m.lastRun,
            render: (m: MonitorStatus) => (m.lastRun ? dateTime(m.lastRun) : 'not yet'),
          },
        ]}
        rows={monitors}
        rowKey={(m) => m.useCase}
        filename="keel-monitors"
        empty={null}
      />
      <h3>Monitored features</h3>
      <DataTable
        caption={`${caption}: features`}
        columns={[
          { key: 'use_case', header: 'Use case', value: (f) => f.useCase },
          { key: 'feature', header: 'Feature', value: (f) => f.feature },
          { key: 'method', header: 'Test', value: (f) => f.method },
          {
            key: 'statistic',
            header: 'Statistic',
            numeric: true,
            value: (f) => f.statistic,
            render: (f) => decimal(f.statistic),
          },
          { key: 'reference', header: 'Reference', value: (f) => summary(f.reference) },
          { key: 'current', header: 'Current', value: (f) => summary(f.current) },
          {
            key: 'state',
            header: 'State',
            value: (f) => f.state,
            render: (f) => (
              <Status level={STATE_LEVEL[f.state] ?? 'unknown'}>{f.state.replace('_', ' ')}</Status>
            ),
          },
        ]}
        rows={features}
        rowKey={(f) => `${f.useCase}|${f.feature}`}
        filename="keel-monitor-features"
        empty={<Empty title="No features compared yet" />}
      />
    </>
  );
}
