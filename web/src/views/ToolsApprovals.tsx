import type { McpApproval, McpApprovalList } from '@keel/api';
import { useState } from 'react';
import type { Resource } from '../api/hooks';
import { toApiError } from '../api/hooks';
import { Link, pathOfUseCase } from '../app/router';
import { useSession } from '../app/session';
import { Code, Empty, type Level, Load, Notice, Status } from '../components/bits';
import { ConfirmActions } from '../components/ConfirmActions';
import { type Column, DataTable } from '../components/DataTable';
import { Dialog } from '../components/Dialog';
import { Section } from '../components/Page';
import { ago, dateTime } from '../lib/format';
import { ToolName } from './ToolsTables';

type Decision = 'approve' | 'deny';

const DECISIONS: Array<[Decision, string, string]> = [
  ['approve', 'Approve', 'btn-primary'],
  ['deny', 'Deny', 'btn-danger'],
];

const STATUS_LEVEL: Record<McpApproval['status'], Level> = {
  pending: 'warn',
  approved: 'ok',
  denied: 'bad',
  expired: 'unknown',
};

function Caller({ a }: { a: McpApproval }) {
  return (
    <>
      {a.key_name ?? a.key_id ?? 'no key (auth off)'}
      <span className="cell-sub">
        {a.key_name && a.key_id ? `${a.key_id} · ` : ''}
        use case{' '}
        {a.use_case === 'unassigned' ? a.use_case : <Link to={pathOfUseCase(a.use_case)}>{a.use_case}</Link>}
        {a.team ? ` · team ${a.team}` : ''}
      </span>
    </>
  );
}

/** The arguments as held: masked by Keel before they were stored. */
function Arguments({ a }: { a: McpApproval }) {
  return <pre className="excerpt">{JSON.stringify(a.arguments, null, 2)}</pre>;
}

const callerColumns: Column<McpApproval>[] = [
  {
    key: 'tool',
    header: 'Tool',
    value: (a) => a.tool,
    render: (a) => <ToolName tool={a.tool} sub={`server ${a.server}`} />,
  },
  { key: 'caller', header: 'Caller', value: (a) => a.key_name ?? a.key_id, render: (a) => <Caller a={a} /> },
  {
    key: 'arguments',
    header: 'Arguments',
    value: (a) => JSON.stringify(a.arguments),
    render: (a) => <Arguments a={a} />,
  },
];

/**
 * Calls held for an operator (GET /api/mcp/approvals): who calls which tool with which (masked)
 * arguments, approve or deny with a confirmation and an optional reason, and the latest decisions.
 */
export function PendingApprovals({
  pending,
  recent,
  onDecided,
}: {
  pending: Resource<McpApprovalList>;
  recent: Resource<McpApprovalList>;
  onDecided: () => void;
}) {
  const { api, can } = useSession();
  const operator = can('operator');
  const [asking, setAsking] = useState<{ a: McpApproval; decision: Decision } | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ level: Level; text: string } | null>(null);

  const close = () => {
    setAsking(null);
    setReason('');
    setError(null);
  };

  const confirm = async () => {
    if (!asking) return;
    setBusy(true);
    try {
      const body = reason.trim()
        ? { decision: asking.decision, reason: reason.trim() }
        : { decision: asking.decision };
      const a = await api.post<McpApproval>(`/mcp/approvals/${encodeURIComponent(asking.a.id)}`, body);
      setMessage({ level: 'ok', text: `Call to ${a.tool} ${a.status}.` });
      close();
    } catch (e) {
      const err = toApiError(e);
      // Decided elsewhere meanwhile (another operator, the timeout): the list is stale, refresh it.
      if (err.status === 409 || err.status === 404) {
        setMessage({ level: 'warn', text: err.message });
        close();
      } else setError(err.message);
    } finally {
      setBusy(false);
      onDecided();
    }
  };

  const pendingColumns: Column<McpApproval>[] = [
    {
      key: 'held',
      header: 'Held',
      value: (a) => a.created_at,
      render: (a) => (
        <>
          {ago(a.created_at)}
          <span className="cell-sub">expires {dateTime(a.expires_at)}</span>
        </>
      ),
    },
    ...callerColumns,
  ];
  if (operator)
    pendingColumns.push({
      key: 'actions',
      header: 'Decision',
      value: () => '',
      noCsv: true,
      sortable: false,
      render: (a) => (
        <div className="btn-row">
          {DECISIONS.map(([decision, label, style]) => (
            <button
              key={decision}
              type="button"
              className={`btn btn-small ${style}`}
              onClick={() => setAsking({ a, decision })}
            >
              {label}
              <span className="sr-only"> {`${a.tool} for ${a.key_name ?? a.key_id ?? 'anonymous'}`}</span>
            </button>
          ))}
        </div>
      ),
    });

  const decidedColumns: Column<McpApproval>[] = [
    {
      key: 'status',
      header: 'Decision',
      value: (a) => a.status,
      render: (a) => (
        <>
          <Status level={STATUS_LEVEL[a.status]}>{a.status}</Status>
          <span className="cell-sub">
            {a.decided_by ?? ''} {a.decided_at ? `· ${dateTime(a.decided_at)}` : ''}
          </span>
          {a.reason ? <span className="cell-sub">“{a.reason}”</span> : null}
        </>
      ),
    },
    ...callerColumns,
  ];

  return (
    <>
      <Section
        title="Pending approvals"
        description="Calls to tools marked approval: required wait here until an operator decides or the timeout denies them."
      >
        {message ? (
          <Notice level={message.level}>
            <p>{message.text}</p>
          </Notice>
        ) : null}
        <Load res={pending} what="pending approvals">
          {(list) => (
            <DataTable
              caption="Tool calls waiting for approval"
              columns={pendingColumns}
              rows={list.data}
              rowKey={(a) => a.id}
              filename="keel-mcp-pending-approvals"
              empty={
                <Empty title="No calls waiting for approval">
                  <p>
                    Mark a tool with <Code>approval: required</Code> under <Code>mcp.tools</Code> in{' '}
                    <Code>keel.yaml</Code>; its calls wait here for an operator.
                  </p>
                </Empty>
              }
            />
          )}
        </Load>
      </Section>
      <Section title="Recent decisions" description="Approved, denied and expired calls, newest first.">
        <Load res={recent} what="decisions">
          {(list) => (
            <DataTable
              caption="Recent approval decisions"
              columns={decidedColumns}
              rows={list.data.filter((a) => a.status !== 'pending')}
              rowKey={(a) => a.id}
              filename="keel-mcp-approval-decisions"
              empty={<Empty title="No decisions yet" />}
            />
          )}
        </Load>
      </Section>
      <Dialog
        open={asking !== null}
        title={asking?.decision === 'deny' ? 'Deny this tool call?' : 'Approve this tool call?'}
        onClose={close}
      >
        {asking ? (
          <>
            <p>
              {asking.decision === 'approve' ? 'Let' : 'Refuse'}{' '}
              <strong>{asking.a.key_name ?? asking.a.key_id ?? 'an anonymous caller'}</strong>{' '}
              {asking.decision === 'approve' ? 'call' : 'the call to'} <Code>{asking.a.tool}</Code>
              {asking.decision === 'approve' ? ' with these arguments now.' : '.'}
            </p>
            <Arguments a={asking.a} />
            <div className="field">
              <label htmlFor="approval-reason">Reason (optional, kept in the audit log)</label>
              <textarea
                id="approval-reason"
                rows={2}
                maxLength={1000}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
            </div>
            <ConfirmActions
              label={asking.decision === 'deny' ? 'Deny call' : 'Approve call'}
              danger={asking.decision === 'deny'}
              busy={busy}
              error={error}
              onConfirm={confirm}
              onCancel={close}
            />
          </>
        ) : null}
      </Dialog>
    </>
  );
}
