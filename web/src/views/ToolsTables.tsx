import type { McpKeyFigures, McpServer, McpToolFigures, McpUseCaseFigures } from '@keel/api';
import type { ReactNode } from 'react';
import { Link, pathOfUseCase } from '../app/router';
import { Code, Empty, type Level, Num, Status } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Section } from '../components/Page';
import { dateTime, duration, int } from '../lib/format';

type Tally = Pick<
  McpToolFigures,
  'calls' | 'ok' | 'tool_errors' | 'failed' | 'refused' | 'refusals' | 'approvals'
>;

const STATE_LEVEL: Record<McpServer['state'], Level> = { up: 'ok', starting: 'warn', down: 'bad' };

const held = (t: Tally) =>
  t.approvals.approved + t.approvals.denied + t.approvals.expired + t.approvals.pending;

/** `label n · label n`, largest first, for the counts that are not zero. */
function counts(entries: Array<[string, number]>): string {
  return entries
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label} ${int(n)}`)
    .join(' · ');
}

/** Calls, how they ended, refusals by code and approvals: the same columns for tools, keys and use cases. */
const TALLY: Array<[key: string, header: string, value: (t: Tally) => number, detail: (t: Tally) => string]> =
  [
    ['calls', 'Calls', (t) => t.calls, () => ''],
    [
      'ok',
      'Answered',
      (t) => t.ok,
      (t) =>
        counts([
          ['tool error', t.tool_errors],
          ['failed', t.failed],
        ]),
    ],
    ['refused', 'Refused', (t) => t.refused, (t) => counts(Object.entries(t.refusals))],
    ['approvals', 'Held for approval', held, (t) => counts(Object.entries(t.approvals))],
  ];

function tallyColumns<R extends Tally>(): Column<R>[] {
  return TALLY.map(([key, header, value, detail]) => ({
    key,
    header,
    numeric: true,
    value,
    render: (r: R) => (
      <>
        <Num value={value(r)} fmt={int} />
        {detail(r) ? <span className="cell-sub">{detail(r)}</span> : null}
      </>
    ),
  }));
}

/** A catalogue name with a line under it. */
export function ToolName({ tool, sub }: { tool: string; sub: ReactNode }) {
  return (
    <>
      <Code>{tool}</Code>
      <span className="cell-sub">{sub}</span>
    </>
  );
}

const since = (s: McpServer) => <span className="cell-sub">since {dateTime(s.since)}</span>;

const SERVER_COLUMNS: Column<McpServer>[] = [
  { key: 'id', header: 'Server', value: (s) => s.id, render: (s) => <Code>{s.id}</Code> },
  {
    key: 'state',
    header: 'State',
    value: (s) => s.state,
    render: (s) => (
      <>
        <Status level={STATE_LEVEL[s.state]}>{s.state}</Status>
        {since(s)}
      </>
    ),
  },
  { key: 'transport', header: 'Transport', value: (s) => s.transport },
  {
    key: 'sandboxed',
    header: 'Sandbox',
    value: (s) => (s.transport === 'stdio' ? String(s.sandboxed) : 'remote'),
    render: (s) =>
      s.transport !== 'stdio' ? (
        <span className="muted">remote</span>
      ) : (
        <Status level={s.sandboxed ? 'ok' : 'warn'}>{s.sandboxed ? 'sandboxed' : 'not sandboxed'}</Status>
      ),
  },
  { key: 'restarts', header: 'Restarts', numeric: true, value: (s) => s.restarts },
  { key: 'tools', header: 'Tools', numeric: true, value: (s) => s.tools },
  {
    key: 'last_error',
    header: 'Last error',
    value: (s) => s.last_error,
    render: (s) => s.last_error ?? <span className="muted">none</span>,
  },
];

export function ServersTable({ servers }: { servers: McpServer[] }) {
  return (
    <DataTable
      caption="MCP servers"
      columns={SERVER_COLUMNS}
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

const NO_CALLS = <Empty title="No tool calls in this period" />;

export function ToolsTable({ tools }: { tools: McpToolFigures[] }) {
  const columns: Column<McpToolFigures>[] = [
    {
      key: 'tool',
      header: 'Tool',
      value: (t) => t.tool,
      render: (t) => (
        <ToolName
          tool={t.tool}
          sub={`server ${t.server}${t.requires_approval ? ' · approval required' : ''}`}
        />
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
      empty={NO_CALLS}
    />
  );
}

type Breakdown = McpKeyFigures | McpUseCaseFigures;

/** Who: the key (its name when it still exists) or the use case a row counts. */
function who(r: Breakdown): { id: string; node: ReactNode } {
  if ('use_case' in r)
    return {
      id: r.use_case,
      node:
        r.use_case === 'unassigned' ? r.use_case : <Link to={pathOfUseCase(r.use_case)}>{r.use_case}</Link>,
    };
  const id = r.key_id ?? '';
  return {
    id,
    node: (
      <>
        {r.key_name ?? r.key_id ?? <span className="muted">no key</span>}
        {r.key_name && r.key_id ? <span className="cell-sub">{r.key_id}</span> : null}
      </>
    ),
  };
}

/** Tool calls per key or per use case, one row per (who, tool). */
export function BreakdownTable({ by, rows }: { by: 'key' | 'use case'; rows: Breakdown[] }) {
  const columns: Column<Breakdown>[] = [
    {
      key: 'who',
      header: by === 'key' ? 'Key' : 'Use case',
      value: (r) => who(r).id,
      render: (r) => who(r).node,
    },
    { key: 'tool', header: 'Tool', value: (r) => r.tool, render: (r) => <Code>{r.tool}</Code> },
    ...tallyColumns<Breakdown>(),
  ];
  return (
    <Section
      title={`Per ${by}`}
      description={
        by === 'key' ? 'Which key called which tool.' : "Tool calls count toward their use case's activity."
      }
    >
      <DataTable
        caption={`Tool calls per ${by}`}
        columns={columns}
        rows={rows}
        rowKey={(r) => `${who(r).id}:${r.tool}`}
        filename={`keel-mcp-${by === 'key' ? 'keys' : 'use-cases'}`}
        empty={NO_CALLS}
      />
    </Section>
  );
}
