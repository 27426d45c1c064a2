import type { McpApprovalList, McpOverview } from '@keel/api';
import { useCallback, useEffect, useState } from 'react';
import { useResource } from '../api/hooks';
import { Code, Kpi, Load } from '../components/bits';
import { Page, Section } from '../components/Page';
import { duration, int } from '../lib/format';
import { PendingApprovals } from './ToolsApprovals';
import { KeysTable, ServersTable, ToolsTable, UseCasesTable } from './ToolsTables';

const PERIODS = [
  { id: '1h', label: 'Last hour' },
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
] as const;

/** Held calls wait for a person: the list refreshes on its own while the view is open. */
const REFRESH_MS = 10_000;

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

  const missing = (
    <p>
      The MCP gateway's admin API (<Code>GET /api/mcp/overview</Code>) is not served by this Keel.
    </p>
  );

  return (
    <Page
      title="Tools"
      subtitle="MCP servers behind /mcp, who calls which tool, what was refused, and calls waiting for approval."
      actions={
        <fieldset className="bare">
          <legend className="sr-only">Period</legend>
          <div className="segmented">
            {PERIODS.map((p) => (
              <button
                key={p.id}
                type="button"
                className="seg"
                aria-pressed={period === p.id}
                onClick={() => setPeriod(p.id)}
              >
                {p.label}
              </button>
            ))}
          </div>
        </fieldset>
      }
    >
      {/* Loading, a missing API or an error is said once, here; the tables below wait for the figures. */}
      <Load res={overview} what="tool calls" missing={missing}>
        {(o) => (
          <dl className="kpis">
            <Kpi id="calls" label="Tool calls" value={o.total.calls} fmt={int} />
            <Kpi
              id="refused"
              label="Refused"
              value={o.total.refused}
              fmt={int}
              hint="scope, arguments, rate limits, screening, approvals"
            />
            <Kpi id="pending" label="Waiting for approval" value={o.pending_approvals} fmt={int} />
            <Kpi id="p50" label="Median latency" value={o.total.p50_latency_ms} fmt={duration} />
          </dl>
        )}
      </Load>

      <PendingApprovals pending={pending} recent={recent} onDecided={reload} />

      {overview.status === 'ok' ? (
        <>
          <Section title="Servers" description="Health of the upstream MCP servers on this replica.">
            <ServersTable servers={overview.data.servers} />
          </Section>
          <Section title="Tools" description="Every tool called in the period, by how its calls ended.">
            <ToolsTable tools={overview.data.tools} />
          </Section>
          <Section title="Per key" description="Which key called which tool.">
            <KeysTable rows={overview.data.by_key} />
          </Section>
          <Section title="Per use case" description="Tool calls count toward their use case's activity.">
            <UseCasesTable rows={overview.data.by_use_case} />
          </Section>
        </>
      ) : null}
    </Page>
  );
}
