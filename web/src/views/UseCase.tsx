import type { ForecastList, TopReport, TopRow, UsageReport, UseCaseDetail, ValueReport } from '@keel/api';
import { dataOf, useResource } from '../api/hooks';
import { usePeriod } from '../app/period';
import { Link } from '../app/router';
import { useSession } from '../app/session';
import { Code, Empty, Load, Notice, Status } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Page, Section } from '../components/Page';
import { PeriodPicker } from '../components/PeriodPicker';
import { dateTime, duration, int, pct, usd } from '../lib/format';
import { apiRange, monthToDate, previousPeriod, qs } from '../lib/period';
import { FigureKpis } from './figures';
import { dimLabel } from './shared';
import { UseCaseActions } from './UseCaseActions';
import { BudgetSection, TrendCharts } from './UseCaseCharts';
import { UseCaseData } from './UseCaseData';

const STAGE_LEVEL = { production: 'ok', pilot: 'info', paused: 'warn', retired: 'unknown' } as const;

export function UseCaseView({ id }: { id: string }) {
  const { can } = useSession();
  const { period, compare } = usePeriod();
  const range = apiRange(period);
  const mtd = monthToDate();
  const enc = encodeURIComponent(id);
  const [detail, reloadDetail] = useResource<UseCaseDetail>(`/use-cases/${enc}`);
  const [value, reloadValue] = useResource<ValueReport>(
    `/value${qs({ ...range, granularity: 'day', use_case: id })}`,
  );
  const [prev] = useResource<ValueReport>(
    compare ? `/value${qs({ ...apiRange(previousPeriod(period)), use_case: id })}` : null,
  );
  const [month] = useResource<ValueReport>(
    `/value${qs({ from: mtd.from, to: mtd.to, granularity: 'day', use_case: id })}`,
  );
  const [forecasts] = useResource<ForecastList>('/forecasts?scope=use_case');
  const [models] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'model', use_case: id })}`);
  const [teams] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'team', use_case: id })}`);
  const [users] = useResource<TopReport>(`/reports/top${qs({ ...range, by: 'user', use_case: id })}`);
  const [features] = useResource<TopReport>(`/reports/top${qs({ ...range, by: 'feature', use_case: id })}`);

  const uc = dataOf(detail);
  const row = dataOf(value)?.use_cases.find((u) => u.use_case === id);
  const prevRow = dataOf(prev)?.use_cases.find((u) => u.use_case === id)?.total;
  const forecast = dataOf(forecasts)?.data.find((f) => f.id === id);
  const name = uc?.name ?? row?.name ?? id;

  return (
    <Page
      title={name}
      subtitle={
        <>
          <Link to="/">Overview</Link> › use case <code className="code">{id}</code>
          {uc ? (
            <>
              {' '}
              · <Status level={STAGE_LEVEL[uc.stage] ?? 'unknown'}>{uc.stage}</Status> · owner{' '}
              {uc.owner ?? '—'}
              {uc.team ? ` (${uc.team})` : ''}
            </>
          ) : null}
        </>
      }
      actions={<PeriodPicker />}
    >
      {detail.status === 'error' && detail.error.status === 404 ? (
        <Notice level="warn">
          <p>
            <strong>{id}</strong> is not a registered use case: calls name it in <Code>x-keel-use-case</Code>{' '}
            but it has no owner, stage or value per outcome. Register it with <Code>POST /api/use-cases</Code>{' '}
            or in <Code>keel.yaml</Code>.
          </p>
        </Notice>
      ) : null}
      {uc?.description || uc?.business_metric ? (
        <p className="muted">
          {uc.description}
          {uc.business_metric ? (
            <>
              {' '}
              Outcome: <strong>{uc.business_metric}</strong>
              {uc.value_per_outcome_usd !== null ? `, worth ${usd(uc.value_per_outcome_usd)} each` : ''}.
            </>
          ) : null}
        </p>
      ) : null}

      <Load
        res={value}
        what="this use case's value"
        missing={<p>The value API is not available in this Keel.</p>}
      >
        {() => {
          if (!row)
            return (
              <Empty title="No calls for this use case in this period">
                <p>
                  Tag calls with <Code>x-keel-use-case: {id}</Code> (or bind a key to it) and pick a longer
                  period.
                </p>
              </Empty>
            );
          const t = row.total;
          const p = compare ? prevRow : undefined;
          return (
            <>
              <FigureKpis
                total={t}
                prev={p}
                items={[
                  'cost_usd',
                  {
                    figure: 'value_usd',
                    hint: t.outcomes === 0 ? 'no outcomes reported yet: POST /v1/outcomes' : undefined,
                  },
                  'net_value_usd',
                  {
                    figure: 'roi',
                    hint: row.target_roi !== null ? `target ${pct(row.target_roi)}` : undefined,
                  },
                  'requests',
                  {
                    figure: 'success_rate',
                    hint: `${int(t.successful_outcomes)} of ${int(t.outcomes)} outcomes`,
                  },
                  'cost_per_successful_outcome_usd',
                  { figure: 'feedback_mean', hint: `${int(t.feedback_count)} ratings, −1 … 1` },
                  'latency_p95_ms',
                  'active_users',
                ]}
              />
              <TrendCharts periods={row.periods ?? []} />
            </>
          );
        }}
      </Load>

      <BudgetSection
        month={month}
        forecast={forecast}
        forecastsMissing={forecasts.status === 'missing'}
        monthEnd={mtd.monthEnd}
      />

      <div className="grid-2">
        <Section title="Model mix">
          <Load res={models} what="model mix">
            {(r) => (
              <DataTable
                caption="Model mix"
                columns={mixColumns('model', '(none)', r.total.cost_usd)}
                rows={r.data}
                rowKey={(x) => x.model ?? '(none)'}
                filename={`keel-${id}-models`}
                empty={<Empty title="No calls in this period" />}
              />
            )}
          </Load>
        </Section>
        <Section title="Top teams">
          <Load res={teams} what="teams">
            {(r) => (
              <DataTable
                caption="Top teams"
                columns={mixColumns('team', '(no team)', r.total.cost_usd)}
                rows={r.data}
                rowKey={(x) => x.team ?? '(none)'}
                filename={`keel-${id}-teams`}
                empty={<Empty title="No calls in this period" />}
              />
            )}
          </Load>
        </Section>
        <Section title="Top users" description="Named by x-keel-user or the OpenAI user field.">
          <Load res={users} what="users">
            {(r) => <TopTable rows={r.data} by="user" caption="Top users" filename={`keel-${id}-users`} />}
          </Load>
        </Section>
        <Section title="Top features" description="Named by the x-keel-feature header.">
          <Load res={features} what="features">
            {(r) => (
              <TopTable rows={r.data} by="feature" caption="Top features" filename={`keel-${id}-features`} />
            )}
          </Load>
        </Section>
      </div>
      <div style={{ height: '1rem' }} />

      <UseCaseData id={id} guardPolicy={uc?.guard_policy ?? null} />

      <Section title="Stage history">
        <Load res={detail} what="the stage history">
          {(d) => (
            <DataTable
              caption="Stage history"
              columns={[
                { key: 'at', header: 'When', value: (h) => h.at, render: (h) => dateTime(h.at) },
                {
                  key: 'from',
                  header: 'From',
                  value: (h) => h.from ?? '',
                  render: (h) => h.from ?? '(created)',
                },
                { key: 'to', header: 'To', value: (h) => h.to },
                { key: 'actor', header: 'By', value: (h) => h.actor },
                {
                  key: 'reason',
                  header: 'Reason',
                  value: (h) => h.reason ?? '',
                  render: (h) => h.reason ?? '—',
                },
              ]}
              rows={[...d.stage_history].reverse()}
              rowKey={(h) => `${h.at}-${h.to}`}
              filename={`keel-${id}-stages`}
              empty={<Empty title="No stage changes recorded" />}
            />
          )}
        </Load>
      </Section>

      {uc && can('operator') ? (
        <UseCaseActions
          uc={uc}
          onSaved={() => {
            reloadDetail();
            reloadValue();
          }}
        />
      ) : uc ? (
        <p className="muted small">
          Changing the stage, budget or value per outcome needs the operator role.
        </p>
      ) : null}
    </Page>
  );
}

function mixColumns(
  by: 'model' | 'team',
  none: string,
  total: number,
): Column<UsageReport['data'][number]>[] {
  return [
    {
      key: by,
      header: by === 'model' ? 'Model' : 'Team',
      value: (r) => r[by] ?? '',
      render: (r) => dimLabel(r[by], none),
    },
    {
      key: 'cost_usd',
      header: 'Cost',
      numeric: true,
      value: (r) => r.cost_usd,
      render: (r) => usd(r.cost_usd),
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
      render: (r) => int(r.requests),
    },
    {
      key: 'p95',
      header: 'p95',
      numeric: true,
      value: (r) => r.latency_p95_ms,
      render: (r) => duration(r.latency_p95_ms),
    },
  ];
}

/** The user or the feature a row of GET /reports/top is about (the report names one of them). */
const who = (r: TopRow) => ('user' in r ? r.user : r.feature);

function TopTable({
  rows,
  by,
  caption,
  filename,
}: {
  rows: TopRow[];
  by: 'user' | 'feature';
  caption: string;
  filename: string;
}) {
  return (
    <DataTable
      caption={caption}
      columns={[
        {
          key: by,
          header: by === 'user' ? 'User' : 'Feature',
          value: (r: TopRow) => who(r) ?? '',
          render: (r: TopRow) => who(r) ?? `(no ${by})`,
        },
        {
          key: 'cost_usd',
          header: 'Cost',
          numeric: true,
          value: (r: TopRow) => r.cost_usd,
          render: (r: TopRow) => usd(r.cost_usd),
        },
        {
          key: 'requests',
          header: 'Calls',
          numeric: true,
          value: (r: TopRow) => r.requests,
          render: (r: TopRow) => int(r.requests),
        },
        {
          key: 'errors',
          header: 'Errors',
          numeric: true,
          value: (r: TopRow) => r.errors,
          render: (r: TopRow) => int(r.errors),
        },
      ]}
      rows={rows}
      rowKey={(r) => who(r) ?? '(none)'}
      filename={filename}
      empty={<Empty title="No calls in this period" />}
    />
  );
}
