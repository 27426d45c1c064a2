import type { KeyList, UsageDimension, UsageReport, UsageRow } from '@keel/api';
import { dataOf, useResource } from '../api/hooks';
import { usePeriod } from '../app/period';
import { Link, pathOfUseCase } from '../app/router';
import { CategoryBars, DayBars } from '../charts/lazy';
import { Code, Empty, Kpi, Load, Notice, Num } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Page, Section } from '../components/Page';
import { PeriodPicker } from '../components/PeriodPicker';
import { compact, duration, int, pct, usd } from '../lib/format';
import { apiRange, describePeriod, qs } from '../lib/period';
import { dimLabel, keyLabel } from './shared';

const DIMENSIONS: Array<{ by: UsageDimension; title: string; none: string }> = [
  { by: 'model', title: 'Cost by model', none: '(none)' },
  { by: 'provider', title: 'Cost by provider', none: '(no upstream reached)' },
  { by: 'team', title: 'Cost by team', none: '(no team)' },
  { by: 'key_id', title: 'Cost by key', none: '(no key)' },
  { by: 'use_case', title: 'Cost by use case', none: '(none)' },
];

const SERIES_COLORS = [
  'var(--c-1)',
  'var(--c-2)',
  'var(--c-3)',
  'var(--c-4)',
  'var(--c-5)',
  'var(--c-6)',
  'var(--c-7)',
  'var(--c-8)',
];

export function Spend() {
  const { period } = usePeriod();
  const range = apiRange(period);
  const [byModel] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'model' })}`);
  const [byProvider] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'provider' })}`);
  const [byTeam] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'team' })}`);
  const [byKey] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'key_id' })}`);
  const [byUseCase] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'use_case' })}`);
  const [daily] = useResource<UsageReport>(
    `/reports/usage${qs({ ...range, by: 'provider', granularity: 'day' })}`,
  );
  const [keys] = useResource<KeyList>('/keys?include_revoked=true');
  const names = new Map((dataOf(keys)?.data ?? []).map((k) => [k.id, k.name]));
  const reports: Record<UsageDimension, typeof byModel> = {
    model: byModel,
    provider: byProvider,
    team: byTeam,
    key_id: byKey,
    use_case: byUseCase,
  };

  return (
    <Page
      title="Spend"
      subtitle="Where the money goes: by model, provider, team, key and use case."
      actions={<PeriodPicker withCompare={false} />}
    >
      <Load
        res={byModel}
        what="spend"
        missing={
          <p>
            The spend report (<Code>GET /api/reports/usage</Code>) is not wired into this Keel.
          </p>
        }
      >
        {(r) => (
          <>
            <dl className="kpis">
              <Kpi id="cost_usd" label="Priced spend" value={r.total.cost_usd} fmt={usd} />
              <Kpi id="requests" label="Calls" value={r.total.requests} fmt={int} />
              <Kpi
                id="unpriced"
                label="Unpriced calls"
                value={r.total.unpriced}
                fmt={int}
                hint={
                  r.total.unpriced > 0 ? 'their cost is missing from the spend' : 'every call had a price'
                }
              />
              <Kpi id="input_tokens" label="Input tokens" value={r.total.input_tokens} fmt={compact} />
              <Kpi id="output_tokens" label="Output tokens" value={r.total.output_tokens} fmt={compact} />
              <Kpi id="latency_p95_ms" label="p95 latency" value={r.total.latency_p95_ms} fmt={duration} />
            </dl>
            {r.total.unpriced > 0 ? (
              <Notice level="warn">
                <p>
                  <strong>{int(r.total.unpriced)} calls have no price</strong>, so their cost is not in these
                  totals (Keel never counts them as $0). Models with unpriced calls are flagged below. Add a
                  price under <Code>pricing.overrides</Code> in <Code>keel.yaml</Code>.
                </p>
              </Notice>
            ) : null}
            <PriceVersions report={r} />
          </>
        )}
      </Load>

      <Load res={daily} what="daily spend">
        {(d) =>
          d.data.length === 0 ? null : (
            <Section title="Cost per day by provider">
              <DailyByProvider report={d} period={describePeriod(period)} />
            </Section>
          )
        }
      </Load>

      <div className="stack">
        {DIMENSIONS.map((dim) => (
          <Section key={dim.by} title={dim.title}>
            <Load res={reports[dim.by]} what={dim.title.toLowerCase()}>
              {(r) => <Breakdown report={r} by={dim.by} none={dim.none} title={dim.title} names={names} />}
            </Load>
          </Section>
        ))}
      </div>
    </Page>
  );
}

function PriceVersions({ report }: { report: UsageReport }) {
  const pv = report.price_versions;
  const used = pv.in_use.filter((v) => v.version !== null);
  return (
    <p className="muted small" data-testid="price-versions">
      Price table in use:{' '}
      {used.length === 0 ? (
        'no priced calls in this period'
      ) : (
        <>
          {used.map((v, i) => (
            <span key={v.version}>
              {i > 0 ? ', ' : ''}
              <strong>{v.version}</strong> ({int(v.requests)} calls)
            </span>
          ))}{' '}
          among the newest {int(pv.sample)} calls
        </>
      )}
      {pv.shipped.length > 0 ? `; newest table shipped with Keel: ${pv.shipped[0]}` : ''}.
    </p>
  );
}

function DailyByProvider({ report, period }: { report: UsageReport; period: string }) {
  const providers = [
    ...new Set(report.data.filter((r) => r.cost_usd > 0).map((r) => r.provider ?? '(none)')),
  ];
  const byDay = new Map<string, Record<string, string | number | null>>();
  for (const r of report.data) {
    const dayKey = r.period_start ?? '';
    const p = byDay.get(dayKey) ?? { day: dayKey };
    p[r.provider ?? '(none)'] = r.cost_usd;
    byDay.set(dayKey, p);
  }
  return (
    <DayBars
      title="Cost per day by provider"
      summary={`Priced cost per UTC day over ${period}, stacked by provider.`}
      points={[...byDay.values()]}
      series={providers.map((p, i) => ({
        key: p,
        label: p,
        color: SERIES_COLORS[i % SERIES_COLORS.length] ?? 'var(--c-1)',
      }))}
      fmt={usd}
    />
  );
}

function Breakdown({
  report,
  by,
  none,
  title,
  names,
}: {
  report: UsageReport;
  by: UsageDimension;
  none: string;
  title: string;
  names: Map<string, string>;
}) {
  const label = (r: UsageRow) => (by === 'key_id' ? keyLabel(r.key_id, names) : dimLabel(r[by], none));
  const total = report.total.cost_usd;
  const columns: Column<UsageRow>[] = [
    {
      key: by,
      header: by === 'key_id' ? 'Key' : by === 'use_case' ? 'Use case' : by[0]!.toUpperCase() + by.slice(1),
      value: (r) => r[by] ?? '',
      render: (r) =>
        by === 'use_case' && r.use_case ? (
          <Link to={pathOfUseCase(r.use_case)}>{r.use_case}</Link>
        ) : (
          <>
            {label(r)}
            {r.unpriced > 0 ? (
              <span className="cell-sub">
                <span aria-hidden="true">⚠ </span>
                {int(r.unpriced)} unpriced calls
              </span>
            ) : null}
          </>
        ),
    },
    {
      key: 'cost_usd',
      header: 'Cost',
      numeric: true,
      value: (r) => r.cost_usd,
      render: (r) => <Num value={r.cost_usd} fmt={usd} />,
    },
    {
      key: 'share',
      header: 'Share',
      numeric: true,
      value: (r) => (total > 0 ? r.cost_usd / total : null),
      render: (r) => pct(total > 0 ? r.cost_usd / total : null),
    },
    {
      key: 'requests',
      header: 'Calls',
      numeric: true,
      value: (r) => r.requests,
      render: (r) => <Num value={r.requests} fmt={int} />,
    },
    {
      key: 'unpriced',
      header: 'Unpriced',
      numeric: true,
      value: (r) => r.unpriced,
      render: (r) => <Num value={r.unpriced} fmt={int} />,
    },
    {
      key: 'input_tokens',
      header: 'Input tokens',
      numeric: true,
      value: (r) => r.input_tokens,
      render: (r) => compact(r.input_tokens),
    },
    {
      key: 'output_tokens',
      header: 'Output tokens',
      numeric: true,
      value: (r) => r.output_tokens,
      render: (r) => compact(r.output_tokens),
    },
    { key: 'errors', header: 'Errors', numeric: true, value: (r) => r.errors, render: (r) => int(r.errors) },
    {
      key: 'p95',
      header: 'p95 latency',
      numeric: true,
      value: (r) => r.latency_p95_ms,
      render: (r) => duration(r.latency_p95_ms),
    },
  ];
  const top = report.data.filter((r) => r.cost_usd > 0).slice(0, 8);
  return (
    <>
      {top.length > 1 ? (
        <CategoryBars
          title={title}
          summary={`${title}: the ${top.length} most expensive, priced cost only.`}
          points={top.map((r) => ({
            name: by === 'key_id' ? (names.get(r.key_id ?? '') ?? label(r)) : label(r),
            cost: r.cost_usd,
          }))}
          categoryKey="name"
          series={[{ key: 'cost', label: 'Cost', color: 'var(--c-cost)' }]}
          fmt={usd}
        />
      ) : null}
      <DataTable
        caption={title}
        columns={columns}
        rows={report.data}
        rowKey={(r) => r[by] ?? '(none)'}
        filename={`keel-${title.toLowerCase().replaceAll(' ', '-')}`}
        rowClass={(r) => (r.unpriced > 0 ? 'row-flag' : undefined)}
        empty={
          <Empty title="No calls in this period">
            <p>
              Calls through <Code>/v1</Code> show up here within seconds. Try <Code>npx keel demo</Code>.
            </p>
          </Empty>
        }
      />
    </>
  );
}
