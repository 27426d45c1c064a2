import type {
  Alert,
  AlertList,
  DataHealthInfo,
  ForecastList,
  SpendForecast,
  UsageReport,
  UseCaseInfo,
  UseCaseList,
  ValueReport,
} from '@keel/api';
import { dataOf, useResource } from '../api/hooks';
import { usePeriod } from '../app/period';
import { Link, pathOfUseCase } from '../app/router';
import { DayLines } from '../charts/lazy';
import { Code, Empty, Kpi, Load, Notice, Num, Status, worst } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Page, Section } from '../components/Page';
import { PeriodPicker } from '../components/PeriodPicker';
import { dateTime, day, duration, int, pct, usd } from '../lib/format';
import { blockedLight, budgetLight, driftLight, errorLight, type Light } from '../lib/health';
import { apiRange, describePeriod, previousPeriod, qs } from '../lib/period';
import { FigureKpis } from './figures';
import { BudgetMeter } from './shared';

export interface PortfolioRow {
  id: string;
  name: string;
  registered: boolean;
  stage: string | null;
  owner: string | null;
  team: string | null;
  cost: number;
  value: number;
  roi: number | null;
  targetRoi: number | null;
  costPerSuccess: number | null;
  outcomes: number;
  requests: number;
  forecast: SpendForecast | undefined;
  openAlerts: number;
  lights: Light[];
}

export function Overview() {
  const { period, compare } = usePeriod();
  const range = apiRange(period);
  const prevRange = apiRange(previousPeriod(period));
  const [value] = useResource<ValueReport>(`/value${qs({ ...range, granularity: 'day' })}`);
  const [prev] = useResource<ValueReport>(compare ? `/value${qs(prevRange)}` : null);
  const [useCases] = useResource<UseCaseList>('/use-cases');
  const [forecasts] = useResource<ForecastList>('/forecasts?scope=use_case');
  const [alerts] = useResource<AlertList>('/alerts?state=open&limit=1000');
  const [health] = useResource<DataHealthInfo>('/data/health');
  // Without the value API, the usage rollups still give calls, spend, latency and errors.
  const [usage] = useResource<UsageReport>(value.status === 'missing' ? `/reports/usage${qs(range)}` : null);

  const openAlerts = dataOf(alerts)?.data;
  const printedAt = dateTime(Date.now());

  return (
    <Page
      title="Overview"
      subtitle="Is each AI use case worth it, safe and healthy?"
      actions={
        <>
          <PeriodPicker />
          <button type="button" className="btn" onClick={() => window.print()}>
            Print report
          </button>
        </>
      }
    >
      <p className="print-only">
        Keel Command Room report — {day(period.from)} to {day(period.to)} (UTC), printed {printedAt}.
      </p>
      {value.status === 'missing' ? (
        <>
          <Notice level="warn">
            <p>
              Business value is not available from this Keel (<Code>GET /api/value</Code> is missing), so
              value, ROI and the use-case portfolio cannot be shown. Usage below comes from{' '}
              <Code>GET /api/reports/usage</Code>.
            </p>
          </Notice>
          <Load res={usage} what="usage">
            {(u) => (
              <dl className="kpis">
                <Kpi id="cost_usd" label="Spend" value={u.total.cost_usd} fmt={usd} />
                <Kpi id="requests" label="Calls" value={u.total.requests} fmt={int} />
                <Kpi id="latency_p95_ms" label="p95 latency" value={u.total.latency_p95_ms} fmt={duration} />
                <Kpi id="error_rate" label="Error rate" value={u.total.error_rate} fmt={pct} />
                <Kpi id="blocked" label="Blocked calls" value={u.total.blocked} fmt={int} />
              </dl>
            )}
          </Load>
        </>
      ) : (
        <Load res={value} what="the value report">
          {(v) => {
            const p = compare ? dataOf(prev)?.total : undefined;
            const t = v.total;
            const noTraffic = t.requests === 0 && v.use_cases.every((u) => u.total.requests === 0);
            return (
              <>
                <FigureKpis
                  label={`Figures for ${describePeriod(period)}`}
                  total={t}
                  prev={p}
                  items={[
                    {
                      figure: 'cost_usd',
                      hint:
                        t.unpriced_requests > 0 ? `+ ${int(t.unpriced_requests)} unpriced calls` : undefined,
                    },
                    {
                      figure: 'value_usd',
                      hint:
                        t.outcomes === 0
                          ? 'no outcomes reported yet: POST /v1/outcomes'
                          : `${int(t.outcomes)} outcomes`,
                    },
                    'net_value_usd',
                    { figure: 'roi', hint: '(value − cost) / cost' },
                    'requests',
                    'active_users',
                    'latency_p95_ms',
                    'error_rate',
                    { figure: 'blocked', hint: 'refused by guards, scopes, limits' },
                  ]}
                >
                  <Kpi
                    id="open_alerts"
                    label="Open alerts"
                    value={openAlerts ? openAlerts.length : null}
                    fmt={int}
                    hint={openAlerts ? <Link to="/alerts">See alerts</Link> : 'alerts API not available'}
                  />
                </FigureKpis>
                {noTraffic ? (
                  <Empty title="No traffic in this period yet">
                    <p>
                      Send a call through Keel (<Code>POST /v1/chat/completions</Code> with an{' '}
                      <Code>x-keel-use-case</Code> header) or run <Code>npx keel demo</Code> to fill the store
                      with sample traffic. Pick a longer period above if you expected data.
                    </p>
                  </Empty>
                ) : (
                  <Section
                    title="Cost and value per day"
                    description="Priced cost against the value of reported outcomes."
                  >
                    <DayLines
                      title="Cost and value per day"
                      summary={`Over ${describePeriod(period)}: spent ${usd(t.cost_usd)}, value ${usd(t.value_usd)}, net ${usd(t.net_value_usd)}.`}
                      points={(v.total_periods ?? []).map((d) => ({
                        day: d.period_start,
                        cost: d.cost_usd,
                        value: d.value_usd,
                      }))}
                      series={[
                        { key: 'cost', label: 'Cost', color: 'var(--c-cost)' },
                        { key: 'value', label: 'Value', color: 'var(--c-value)', dashed: true },
                      ]}
                      fmt={usd}
                    />
                  </Section>
                )}
                <Section
                  title="Use-case portfolio"
                  description="Each use case's cost, value and health for the period; budget burn is month to date with the month-end forecast."
                >
                  <Portfolio
                    rows={portfolioRows(
                      v,
                      dataOf(useCases)?.data,
                      dataOf(forecasts)?.data,
                      openAlerts,
                      dataOf(health),
                    )}
                    forecastsMissing={forecasts.status === 'missing'}
                  />
                </Section>
              </>
            );
          }}
        </Load>
      )}
    </Page>
  );
}

export function portfolioRows(
  v: ValueReport,
  useCases: UseCaseInfo[] | undefined,
  forecasts: SpendForecast[] | undefined,
  alerts: Alert[] | undefined,
  health: DataHealthInfo | undefined,
): PortfolioRow[] {
  const drifting = new Map(
    (health?.monitors ?? []).map((m) => [m.useCase, m.features.filter((f) => f.state === 'drifting').length]),
  );
  const registry = new Map((useCases ?? []).map((u) => [u.id, u]));
  const fc = new Map((forecasts ?? []).map((f) => [f.id, f]));
  return v.use_cases.map((u) => {
    const reg = registry.get(u.use_case);
    const f = fc.get(u.use_case);
    const t = u.total;
    return {
      id: u.use_case,
      name: u.name,
      registered: u.registered,
      stage: u.stage,
      owner: reg?.owner ?? null,
      team: reg?.team ?? null,
      cost: t.cost_usd,
      value: t.value_usd,
      roi: t.roi,
      targetRoi: u.target_roi,
      costPerSuccess: t.cost_per_successful_outcome_usd,
      outcomes: t.outcomes,
      requests: t.requests,
      forecast: f,
      openAlerts: (alerts ?? []).filter((a) => a.scope === 'use_case' && a.subject === u.use_case).length,
      lights: [
        budgetLight(f),
        blockedLight(t.blocked_rate, t.blocked),
        driftLight(drifting.get(u.use_case) ?? null),
        errorLight(t.error_rate, t.requests),
      ],
    };
  });
}

const OVERALL = {
  bad: 'needs attention',
  warn: 'watch',
  ok: 'healthy',
  info: 'healthy',
  unknown: 'not enough data',
};

function Portfolio({ rows, forecastsMissing }: { rows: PortfolioRow[]; forecastsMissing: boolean }) {
  const columns: Column<PortfolioRow>[] = [
    {
      key: 'name',
      header: 'Use case',
      value: (r) => r.id,
      render: (r) => (
        <>
          <Link to={pathOfUseCase(r.id)}>{r.name}</Link>
          <span className="cell-sub">
            {r.registered ? [r.owner, r.team].filter(Boolean).join(' · ') || 'no owner' : 'not registered'}
          </span>
        </>
      ),
    },
    { key: 'stage', header: 'Stage', value: (r) => r.stage ?? '', render: (r) => r.stage ?? '—' },
    { key: 'owner', header: 'Owner', value: (r) => r.owner ?? '', hidden: true },
    { key: 'team', header: 'Team', value: (r) => r.team ?? '', hidden: true },
    {
      key: 'cost',
      header: 'Cost',
      numeric: true,
      value: (r) => r.cost,
      render: (r) => <Num value={r.cost} fmt={usd} />,
    },
    {
      key: 'value',
      header: 'Value',
      numeric: true,
      value: (r) => r.value,
      render: (r) =>
        r.outcomes === 0 ? (
          <span title="No outcomes reported yet: POST /v1/outcomes">
            <Num value={r.value} fmt={usd} />
            <span className="cell-sub">no outcomes yet</span>
          </span>
        ) : (
          <Num value={r.value} fmt={usd} />
        ),
    },
    {
      key: 'roi',
      header: 'ROI',
      numeric: true,
      value: (r) => r.roi,
      render: (r) => (
        <>
          <Num value={r.roi} fmt={pct} />
          {r.targetRoi !== null ? (
            <span className="cell-sub">
              target {pct(r.targetRoi)} {r.roi !== null && r.roi < r.targetRoi ? '(below)' : ''}
            </span>
          ) : null}
        </>
      ),
    },
    {
      key: 'cps',
      header: 'Cost per success',
      numeric: true,
      value: (r) => r.costPerSuccess,
      render: (r) => <Num value={r.costPerSuccess} fmt={usd} />,
    },
    {
      key: 'budget',
      header: 'Budget (month)',
      value: (r) => (r.forecast?.budget_usd ? r.forecast.mtd_usd / r.forecast.budget_usd : null),
      render: (r) =>
        forecastsMissing ? (
          <span className="muted">forecasts API not available</span>
        ) : (
          <BudgetMeter forecast={r.forecast} />
        ),
    },
    {
      key: 'health',
      header: 'Health',
      value: (r) => r.lights.map((l) => l.text).join('; '),
      render: (r) => (
        <div className="health">
          <span className="sr-only">Overall: {OVERALL[worst(r.lights.map((l) => l.level))]}. </span>
          {r.lights.map((l) => (
            <Status key={l.text} level={l.level}>
              {l.text}
            </Status>
          ))}
          {r.openAlerts > 0 ? (
            <Status level="bad">
              <Link to="/alerts">
                {r.openAlerts} open alert{r.openAlerts === 1 ? '' : 's'}
              </Link>
            </Status>
          ) : null}
        </div>
      ),
    },
  ];
  return (
    <DataTable
      caption="Use-case portfolio"
      columns={columns}
      rows={rows}
      rowKey={(r) => r.id}
      filename="keel-portfolio"
      initialSort={{ key: 'cost', dir: 'descending' }}
      empty={
        <Empty title="No use cases yet">
          <p>
            Register one with <Code>POST /api/use-cases</Code> or <Code>keel usecases create</Code>, and tag
            calls with the <Code>x-keel-use-case</Code> header.
          </p>
        </Empty>
      }
    />
  );
}
