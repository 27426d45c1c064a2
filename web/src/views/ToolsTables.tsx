import type { McpKeyFigures, McpServer, McpToolFigures, McpUseCaseFigures } from '@keel/api';
import { Link, pathOfUseCase } from '../app/router';
import { Code, Empty, type Level, Num, Status } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { dateTime, duration, int } from '../lib/format';

type Tally = Pick<
  McpToolFigures,
  'calls' | 'ok' | 'tool_errors' | 'failed' | 'refused' | 'refusals' | 'approvals'
>;

const STATE_LEVEL: Record<McpServer['state'], Level> = { up: 'ok', starting: 'warn', down: 'bad' };

function refusalText(t: Tally): string {
  return Object.entries(t.refusals)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${int(n)}`)
    .join(' · ');
}

function approvalText(t: Tally): string {
  const a = t.approvals;
  return (['approved', 'denied', 'expired', 'pending'] as const)
    .filter((k) => a[k] > 0)
    .map((k) => `${int(a[k])} ${k}`)
    .join(' · ');
}

const held = (t: Tally) =>
  t.approvals.approved + t.approvals.denied + t.approvals.expired + t.approvals.pending;

/** Calls, how they ended, refusals by code and approvals: the same columns for tools, keys and use cases. */
function tallyColumns<R extends Tally>(): Column<R>[] {
  return [
    {
      key: 'calls',
      header: 'Calls',
      numeric: true,
      value: (r) => r.calls,
      render: (r) => <Num value={r.calls} fmt={int} />,
    },
    {
      key: 'ok',
      header: 'Answered',
      numeric: true,
      value: (r) => r.ok,
      render: (r) => (
        <>
          <Num value={r.ok} fmt={int} />
          {r.tool_errors + r.failed > 0 ? (
            <span className="cell-sub">
              {int(r.tool_errors)} tool error(s) · {int(r.failed)} failed
            </span>
          ) : null}
        </>
      ),
    },
    {
      key: 'refused',
      header: 'Refused',
      numeric: true,
      value: (r) => r.refused,
      render: (r) => (
        <>
          <Num value={r.refused} fmt={int} />
          {r.refused > 0 ? <span className="cell-sub">{refusalText(r)}</span> : null}
        </>
      ),
    },
    {
      key: 'approvals',
      header: 'Approvals',
      numeric: true,
      value: held,
      render: (r) => (held(r) > 0 ? <span>{approvalText(r)}</span> : <span className="muted">—</span>),
    },
  ];
}

export function ServersTable({ servers }: { servers: McpServer[] }) {
  const columns: Column<McpServer>[] = [
    { key: 'id', header: 'Server', value: (s) => s.id, render: (s) => <Code>{s.id}</Code> },
    {
      key: 'state',
      header: 'State',
      value: (s) => s.state,
      render: (s) => (
        <>
          <Status level={STATE_LEVEL[s.state]}>{s.state}</Status>
          <span className="cell-sub">since {dateTime(s.since)}</span>
        </>
      ),
    },
    { key: 'transport', header: 'Transport', value: (s) => s.transport },
    {
      key: 'sandboxed',
      header: 'Sandbox',
      value: (s) => (s.transport === 'stdio' ? (s.sandboxed ? 'yes' : 'no') : 'n/a'),
      render: (s) =>
        s.transport !== 'stdio' ? (
          <span className="muted">remote</span>
        ) : s.sandboxed ? (
          <Status level="ok">sandboxed</Status>
        ) : (
          <Status level="warn">not sandboxed</Status>
        ),
    },
    { key: 'restarts', header: 'Restarts', numeric: true, value: (s) => s.restarts },
    { key: 'tools', header: 'Tools', numeric: true, value: (s) => s.tools },
    {
      key: 'last_error',
      header: 'Last error',
      value: (s) => s.last_error,
      render: (s) => (s.last_error ? <span>{s.last_error}</span> : <span className="muted">none</span>),
    },
  ];
  return (
    <DataTable
      caption="MCP servers"
      columns={columns}
      rows={servers}
      rowKey={(s) => s.id}
      filename="keel-mcp-servers"
      rowClass={(s) => (s.state === 'down' ? 'row-flag' : undefined)}
      empty={
        <Empty title="No MCP servers">
          <p>
            Declare the servers Keel fronts at <Code>/mcp</Code> under <Code>mcp_servers</Code> in{' '}
            <Code>keel.yaml</Code> (remote ones by <Code>url</Code>, local ones by <Code>command</Code>).
          </p>
        </Empty>
      }
    />
  );
}

export function ToolsTable({ tools }: { tools: McpToolFigures[] }) {
  const columns: Column<McpToolFigures>[] = [
    {
      key: 'tool',
      header: 'Tool',
      value: (t) => t.tool,
      render: (t) => (
        <>
          <Code>{t.tool}</Code>
          <span className="cell-sub">
            server {t.server}
            {t.requires_approval ? ' · approval required' : ''}
          </span>
        </>
      ),
    },
    ...tallyColumns<McpToolFigures>(),
    {
      key: 'p50',
      header: 'Median latency',
      numeric: true,
      value: (t) => t.p50_latency_ms,
      render: (t) => <Num value={t.p50_latency_ms} fmt={duration} />,
    },
  ];
  return (
    <DataTable
      caption="Tool calls per tool"
      columns={columns}
      rows={tools}
      rowKey={(t) => t.tool}
      filename="keel-mcp-tools"
      empty={<Empty title="No tool calls in this period" />}
    />
  );
}

export function KeysTable({ rows }: { rows: McpKeyFigures[] }) {
  const columns: Column<McpKeyFigures>[] = [
    {
      key: 'key',
      header: 'Key',
      value: (k) => k.key_name ?? k.key_id,
      render: (k) => (
        <>
          {k.key_name ?? k.key_id ?? <span className="muted">no key</span>}
          {k.key_name && k.key_id ? <span className="cell-sub">{k.key_id}</span> : null}
        </>
      ),
    },
    { key: 'tool', header: 'Tool', value: (k) => k.tool, render: (k) => <Code>{k.tool}</Code> },
    ...tallyColumns<McpKeyFigures>(),
  ];
  return (
    <DataTable
      caption="Tool calls per key"
      columns={columns}
      rows={rows}
      rowKey={(k) => `${k.key_id ?? ''}:${k.tool}`}
      filename="keel-mcp-keys"
      empty={<Empty title="No tool calls in this period" />}
    />
  );
}

export function UseCasesTable({ rows }: { rows: McpUseCaseFigures[] }) {
  const columns: Column<McpUseCaseFigures>[] = [
    {
      key: 'use_case',
      header: 'Use case',
      value: (u) => u.use_case,
      render: (u) =>
        u.use_case === 'unassigned' ? u.use_case : <Link to={pathOfUseCase(u.use_case)}>{u.use_case}</Link>,
    },
    { key: 'tool', header: 'Tool', value: (u) => u.tool, render: (u) => <Code>{u.tool}</Code> },
    ...tallyColumns<McpUseCaseFigures>(),
  ];
  return (
    <DataTable
      caption="Tool calls per use case"
      columns={columns}
      rows={rows}
      rowKey={(u) => `${u.use_case}:${u.tool}`}
      filename="keel-mcp-use-cases"
      empty={<Empty title="No tool calls in this period" />}
    />
  );
}
