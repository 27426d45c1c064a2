import type { AuditPage, KeyList, RefusalReport, UsageReport, UsageRow } from '@keel/api';
import { dataOf, useResource } from '../api/hooks';
import { usePeriod } from '../app/period';
import { Link, pathOfUseCase } from '../app/router';
import { DayBars } from '../charts/lazy';
import { Empty, Kpi, Load, Num } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Page, Section } from '../components/Page';
import { PeriodPicker } from '../components/PeriodPicker';
import { dateTime, int, pct } from '../lib/format';
import { apiRange, describePeriod, qs } from '../lib/period';
import { AuditLog } from './AuditLog';
import { GuardEvents } from './SecurityGuards';
import { RedteamRuns } from './SecurityRedteam';
import { keyLabel } from './shared';

interface Refusal {
  seq: number;
  time: string;
  actor: string;
  code: string;
  reason: string;
  endpoint: string;
  model: string;
  useCase: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

export function Security() {
  const { period } = usePeriod();
  const range = apiRange(period);
  const [daily] = useResource<UsageReport>(`/reports/usage${qs({ ...range, granularity: 'day' })}`);
  const [byUseCase] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'use_case' })}`);
  const [byKey] = useResource<UsageReport>(`/reports/usage${qs({ ...range, by: 'key_id' })}`);
  const [refused] = useResource<AuditPage>(
    `/audit${qs({ action: 'request.refused', from: range.from, to: range.to, limit: 15 })}`,
  );
  const [keys] = useResource<KeyList>('/keys?include_revoked=true');
  const [reasons] = useResource<RefusalReport>(`/reports/refusals${qs(range)}`);
  const names = new Map((dataOf(keys)?.data ?? []).map((k) => [k.id, k.name]));

  const targeted = (rows: UsageRow[]) =>
    rows.filter((r) => r.blocked > 0).sort((a, b) => b.blocked - a.blocked);
  const blockedCols = (by: 'use_case' | 'key_id'): Column<UsageRow>[] => [
    {
      key: by,
      header: by === 'use_case' ? 'Use case' : 'Key',
      value: (r) => r[by] ?? '',
      render: (r) =>
        by === 'use_case' && r.use_case ? (
          <Link to={pathOfUseCase(r.use_case)}>{r.use_case}</Link>
        ) : (
          keyLabel(r.key_id, names)
        ),
    },
    {
      key: 'blocked',
      header: 'Blocked calls',
      numeric: true,
      value: (r) => r.blocked,
      render: (r) => <Num value={r.blocked} fmt={int} />,
    },
    {
      key: 'blocked_rate',
      header: 'Share of calls',
      numeric: true,
      value: (r) => r.blocked_rate,
      render: (r) => pct(r.blocked_rate),
    },
    {
      key: 'requests',
      header: 'Calls',
      numeric: true,
      value: (r) => r.requests,
      render: (r) => int(r.requests),
    },
  ];

  return (
    <Page
      title="Security"
      subtitle="What the guards and access rules stopped, who was targeted, and the tamper-evident audit log."
      actions={<PeriodPicker withCompare={false} />}
    >
      <Load res={daily} what="blocked calls">
        {(d) => (
          <>
            <dl className="kpis">
              <Kpi
                id="blocked"
                label="Blocked calls"
                value={d.total.blocked}
                fmt={int}
                hint="guards, scopes, limits, budgets"
              />
              <Kpi id="blocked_rate" label="Share of calls blocked" value={d.total.blocked_rate} fmt={pct} />
              <Kpi id="requests" label="Calls" value={d.total.requests} fmt={int} />
            </dl>
            {d.total.blocked > 0 ? (
              <Section title="Blocked calls per day, by reason">
                {reasons.status === 'ok' ? (
                  <RefusalChart report={reasons.data} period={describePeriod(period)} />
                ) : (
                  <DayBars
                    title="Blocked calls per day"
                    summary={`${int(d.total.blocked)} calls blocked over ${describePeriod(period)}.`}
                    points={d.data.map((r) => ({ day: r.period_start ?? '', blocked: r.blocked }))}
                    series={[{ key: 'blocked', label: 'Blocked calls', color: 'var(--c-7)' }]}
                    fmt={int}
                    small
                  />
                )}
              </Section>
            ) : null}
          </>
        )}
      </Load>

      <GuardEvents from={range.from} to={range.to} />

      <RedteamRuns />

      <div className="grid-2">
        <Section title="Most targeted use cases">
          <Load res={byUseCase} what="blocked calls by use case">
            {(r) => (
              <DataTable
                caption="Most targeted use cases"
                columns={blockedCols('use_case')}
                rows={targeted(r.data)}
                rowKey={(x) => x.use_case ?? '(none)'}
                filename="keel-targeted-use-cases"
                empty={<Empty title="Nothing blocked in this period" />}
              />
            )}
          </Load>
        </Section>
        <Section title="Most targeted keys">
          <Load res={byKey} what="blocked calls by key">
            {(r) => (
              <DataTable
                caption="Most targeted keys"
                columns={blockedCols('key_id')}
                rows={targeted(r.data)}
                rowKey={(x) => x.key_id ?? '(none)'}
                filename="keel-targeted-keys"
                empty={<Empty title="Nothing blocked in this period" />}
              />
            )}
          </Load>
        </Section>
      </div>
      <div style={{ height: '1rem' }} />

      <Section
        title="Recent blocked requests"
        description="The newest refused calls from the audit log: why, where, for which key. Request bodies and credentials are never recorded."
      >
        <Load res={refused} what="refused requests">
          {(page) => (
            <DataTable
              caption="Recent blocked requests"
              columns={refusalColumns}
              rows={page.data.map(
                (e): Refusal => ({
                  seq: e.seq,
                  time: e.time,
                  actor: e.actor,
                  code: str(e.details.code),
                  reason: str(e.details.reason),
                  endpoint: str(e.details.endpoint),
                  model: str(e.details.model),
                  useCase: str(e.details.use_case),
                }),
              )}
              rowKey={(r) => String(r.seq)}
              filename="keel-blocked-requests"
              empty={
                <Empty title="No refused calls in this period">
                  <p>
                    Refusals (bad keys, out-of-scope models, rate limits, budgets, guard blocks) are listed
                    here as they happen.
                  </p>
                </Empty>
              }
            />
          )}
        </Load>
      </Section>

      <AuditLog />
    </Page>
  );
}

const refusalColumns: Column<Refusal>[] = [
  { key: 'time', header: 'Time', value: (r) => r.time, render: (r) => dateTime(r.time) },
  {
    key: 'code',
    header: 'Refusal',
    value: (r) => r.code,
    render: (r) => <code className="code">{r.code}</code>,
  },
  {
    key: 'reason',
    header: 'Reason',
    value: (r) => r.reason,
    render: (r) => <span className="small">{r.reason}</span>,
  },
  { key: 'endpoint', header: 'Endpoint', value: (r) => r.endpoint },
  { key: 'model', header: 'Model', value: (r) => r.model },
  { key: 'use_case', header: 'Use case', value: (r) => r.useCase },
  { key: 'actor', header: 'Caller', value: (r) => r.actor },
];

const REASON: Record<string, string> = {
  missing_api_key: 'no key sent',
  invalid_api_key: 'unknown, revoked or expired key',
  permission_denied: "outside the key's scope (model, endpoint, use case, network)",
  tool_not_allowed: 'the model called a tool the key may not use',
  rate_limit_exceeded: 'over the rate limit (RPM / TPM)',
  budget_exceeded: 'would cross a budget',
};

function reasonOf(code: string): string {
  if (code.startsWith('guard_')) return `blocked by the ${code.slice(6).replaceAll('_', ' ')} guard`;
  return REASON[code] ?? code;
}

const REASON_COLORS = [
  'var(--c-7)',
  'var(--c-2)',
  'var(--c-4)',
  'var(--c-1)',
  'var(--c-6)',
  'var(--c-5)',
  'var(--c-3)',
  'var(--c-8)',
];

/** Refused calls per day, stacked by reason, and the totals per reason (GET /api/reports/refusals). */
function RefusalChart({ report, period }: { report: RefusalReport; period: string }) {
  const codes = report.by_code.map((c) => c.code);
  const byDay = new Map<string, Record<string, string | number | null>>();
  for (const r of report.data) {
    const p = byDay.get(r.day) ?? { day: r.day };
    p[r.code] = r.requests;
    byDay.set(r.day, p);
  }
  const total = report.by_code.reduce((s, c) => s + c.requests, 0);
  return (
    <>
      <DayBars
        title="Blocked calls per day by reason"
        summary={`${int(total)} calls refused over ${period}, stacked by reason.`}
        points={[...byDay.values()]}
        series={codes.map((c, i) => ({
          key: c,
          label: c,
          color: REASON_COLORS[i % REASON_COLORS.length] ?? 'var(--c-7)',
        }))}
        fmt={int}
        small
      />
      <DataTable
        caption="Blocked calls by reason"
        columns={[
          {
            key: 'code',
            header: 'Reason',
            value: (r) => r.code,
            render: (r) => <code className="code">{r.code}</code>,
          },
          { key: 'meaning', header: 'Meaning', value: (r) => reasonOf(r.code) },
          {
            key: 'requests',
            header: 'Calls',
            numeric: true,
            value: (r) => r.requests,
            render: (r) => <Num value={r.requests} fmt={int} />,
          },
          {
            key: 'share',
            header: 'Share',
            numeric: true,
            value: (r) => (total ? r.requests / total : null),
            render: (r) => pct(total ? r.requests / total : null),
          },
        ]}
        rows={report.by_code}
        rowKey={(r) => r.code}
        filename="keel-blocked-by-reason"
        empty={<Empty title="Nothing refused in this period" />}
      />
    </>
  );
}
