import type { CreatedKey, KeyActivity, KeyInfo, RotatedKey } from '@keel/api';
import { useState } from 'react';
import { BudgetUse, Code, Notice, Num, Status } from '../components/bits';
import type { Column } from '../components/DataTable';
import { ago, dateTime, int, pct, usd } from '../lib/format';

/** The read-only columns of the keys table: scopes, limits, budget use and recent activity. */
export function keyColumns(act: Map<string, KeyActivity>): Column<KeyInfo>[] {
  return [
    {
      key: 'name',
      header: 'Key',
      value: (k) => k.name,
      render: (k) => (
        <>
          {k.name}
          <span className="cell-sub">
            <code className="code">{k.prefix}…</code> · {k.id}
          </span>
        </>
      ),
    },
    {
      key: 'status',
      header: 'Status',
      value: (k) => k.status,
      render: (k) => (
        <Status level={k.status === 'active' ? 'ok' : 'bad'}>
          {k.status}
          {k.expires_at && k.status === 'active' ? ` · expires ${dateTime(k.expires_at)}` : ''}
        </Status>
      ),
    },
    {
      key: 'scopes',
      header: 'Scopes',
      value: (k) =>
        `models=${k.models.join('|')}; endpoints=${k.endpoints.join('|')}; use_cases=${k.use_cases.join('|')}; tools=${k.tools.join('|')}; mcp_servers=${k.mcp_servers.join('|')}; mcp_tools=${k.mcp_tools.join('|')}`,
      sortable: false,
      render: (k) => <Scopes k={k} />,
    },
    {
      key: 'limits',
      header: 'Limits',
      value: (k) => `rpm=${k.rpm ?? ''}; tpm=${k.tpm ?? ''}; max_tokens=${k.max_tokens ?? ''}`,
      sortable: false,
      render: (k) =>
        k.rpm === null && k.tpm === null && k.max_tokens === null ? (
          <span className="muted">none</span>
        ) : (
          <ul className="plain">
            {k.rpm !== null ? <li>{int(k.rpm)} requests/min</li> : null}
            {k.tpm !== null ? <li>{int(k.tpm)} tokens/min</li> : null}
            {k.max_tokens !== null ? <li>≤ {int(k.max_tokens)} tokens/call</li> : null}
          </ul>
        ),
    },
    {
      key: 'budget',
      header: 'Budget use',
      value: (k) => act.get(k.id)?.budget_used ?? null,
      render: (k) => <KeyBudget k={k} a={act.get(k.id)} />,
    },
    {
      key: 'last_used',
      header: 'Last used',
      value: (k) => act.get(k.id)?.last_used_at ?? '',
      render: (k) => {
        const a = act.get(k.id);
        if (!a) return <span className="muted">—</span>;
        return (
          <>
            <span title={a.last_used_at ? dateTime(a.last_used_at) : undefined}>{ago(a.last_used_at)}</span>
            <span className="cell-sub">
              {int(a.requests_30d)} calls, {usd(a.cost_30d_usd)} in 30 days
            </span>
          </>
        );
      },
    },
    {
      key: 'created',
      header: 'Created',
      value: (k) => k.created_at,
      render: (k) => (
        <>
          {dateTime(k.created_at)}
          <span className="cell-sub">by {k.created_by}</span>
        </>
      ),
    },
  ];
}

function Scopes({ k }: { k: KeyInfo }) {
  const list = (label: string, xs: string[], emptyText: string) => (
    <div>
      <span className="muted small">{label}: </span>
      {xs.length === 0 ? (
        <span className="muted small">{emptyText}</span>
      ) : (
        <span className="chips">
          {xs.map((x) => (
            <span key={x} className="chip">
              {x === '*' ? 'all' : x}
            </span>
          ))}
        </span>
      )}
    </div>
  );
  return (
    <>
      {list('models', k.models, 'none (denied)')}
      {k.endpoints.length >= 6 ? (
        <div>
          <span className="muted small">endpoints: </span>
          <span className="chip">all</span>
        </div>
      ) : (
        list('endpoints', k.endpoints, 'none')
      )}
      {list('use cases', k.use_cases, 'any')}
      {list('tools', k.tools, 'none')}
      {k.mcp_servers.length > 0 ? list('MCP servers', k.mcp_servers, 'none') : null}
      {k.mcp_tools.length > 0 ? list('MCP tools', k.mcp_tools, 'none') : null}
      {k.team ? <div className="muted small">team: {k.team}</div> : null}
    </>
  );
}

function KeyBudget({ k, a }: { k: KeyInfo; a: KeyActivity | undefined }) {
  if (k.budget_usd === null)
    return (
      <span className="muted">
        no budget{a ? ` · ${usd(a.budget_spent_usd)} spent (${k.budget_period})` : ''}
      </span>
    );
  const spent = a?.budget_spent_usd ?? 0;
  const used = spent / k.budget_usd;
  return (
    <div className="meter">
      <span>
        <Num value={spent} fmt={usd} /> of {usd(k.budget_usd)} per{' '}
        {k.budget_period === 'total' ? 'lifetime' : k.budget_period}
      </span>
      <BudgetUse used={used} label={`Budget used by ${k.name}`} />
      <span className="cell-sub">{pct(used)} used</span>
    </div>
  );
}

/** The one time a key value is visible: copy it now, Keel keeps only its hash. */
export function ShownOnce({ created, onDone }: { created: CreatedKey | RotatedKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <Notice level="warn">
        <p>
          <strong>Copy this key now.</strong> This is the only time it is shown; Keel stores only its hash.
        </p>
      </Notice>
      <div className="secret">
        <output aria-label="New key value" data-testid="new-key">
          {created.key}
        </output>
        <button
          type="button"
          className="btn"
          onClick={() => {
            void navigator.clipboard?.writeText(created.key).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {'previous_key_expires_at' in created ? (
        <p className="muted">
          The previous value keeps working until {dateTime(created.previous_key_expires_at)}.
        </p>
      ) : null}
      <p className="muted small">
        Use it as <Code>Authorization: Bearer …</Code> or <Code>x-api-key</Code> on <Code>/v1</Code>.
      </p>
      <button type="button" className="btn btn-primary" onClick={onDone}>
        I have copied it
      </button>
    </>
  );
}
