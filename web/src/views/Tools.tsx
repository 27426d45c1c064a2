import type { McpApprovalList, McpOverview } from '@keel/api';
import { useCallback, useEffect, useState } from 'react';
import { useResource } from '../api/hooks';
import { APPROVALS_CHANGED } from '../app/router';
import { Code, Kpi, Load } from '../components/bits';
import { Page, Section } from '../components/Page';
import { Segmented } from '../components/Segmented';
import { dateTime, duration, int } from '../lib/format';
import { PendingApprovals } from './ToolsApprovals';
import { BreakdownTable, ServersTable, ToolsTable } from './ToolsTables';

const PERIODS = [
  { id: '1h', label: 'Last hour' },
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
] as const;

/** Held calls wait for a person: the list refreshes on its own while the view is open. */
const REFRESH_MS = 10_000;

/** The headline figures: id, label, value, format. */
function kpis(o: McpOverview): Array<[string, string, number | null, (v: number | null) => string]> {
  return [
    ['calls', 'Tool calls', o.total.calls, int],
    ['refused', 'Refused', o.total.refused, int],
    ['pending', 'Waiting for approval', o.pending_approvals, int],
    ['p50', 'Median latency', o.total.p50_latency_ms, duration],
  ];
}

/**
 * The MCP gateway (/mcp): the servers Keel fronts and their health, every tool's calls, refusals
 * and approvals per key and use case, and the calls waiting for an operator's approval.
 */
export function Tools() {
  const [period, setPeriod] = useState<(typeof PERIODS)[number]['id']>('24h');
  const [overview, reloadOverview] = useResource<McpOverview>(`/mcp/overview?period=${period}`);
  const [pending, reloadPending] = useResource<McpApprovalList>('/mcp/approvals?status=pending&limit=200');
  const [recent, reloadRecent] = useResource<McpApprovalList>('/mcp/approvals?limit=50');
  const reload = useCallback(() => {
    reloadOverview();
    reloadPending();
    reloadRecent();
  }, [reloadOverview, reloadPending, reloadRecent]);

  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') reloadPending();
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [reloadPending]);
  const pendingCount = pending.status === 'ok' ? pending.data.data.length : null;
  useEffect(() => {
    if (pendingCount !== null) window.dispatchEvent(new Event(APPROVALS_CHANGED));
  }, [pendingCount]);

  const missing = (
    <p>
      The MCP gateway's admin API (<Code>GET /api/mcp/overview</Code>) is not served by this Keel.
    </p>
  );

  return (
    <Page
      title="Tools"
      subtitle="MCP servers behind /mcp, who calls which tool, what was refused, and calls waiting for approval."
      actions={<Segmented legend="Period" options={PERIODS} value={period} onChange={setPeriod} />}
    >
      {/* Loading, a missing API or an error is said once, here; the tables below wait for the figures. */}
      <Load res={overview} what="tool calls" missing={missing}>
        {(o) => (
          <dl className="kpis">
            {kpis(o).map(([id, label, value, fmt]) => (
              <Kpi key={id} id={id} label={label} value={value} fmt={fmt} />
            ))}
          </dl>
        )}
      </Load>

      <PendingApprovals pending={pending} recent={recent} onDecided={reload} />

      {overview.status === 'ok' ? (
        <>
          {overview.data.retained_from ? (
            <p className="muted small">
              Calls and approvals before {dateTime(overview.data.retained_from)} were deleted by{' '}
              <Code>retention.mcp_calls_days</Code> and are not in these figures.
            </p>
          ) : null}
          <Section title="Servers" description="Health of the upstream MCP servers on this replica.">
            <ServersTable servers={overview.data.servers} />
          </Section>
          <Section title="Tools" description="Every tool called in the period, by how its calls ended.">
            <ToolsTable tools={overview.data.tools} />
          </Section>
          <BreakdownTable by="key" rows={overview.data.by_key} />
          <BreakdownTable by="use case" rows={overview.data.by_use_case} />
        </>
      ) : null}
    </Page>
  );
}
