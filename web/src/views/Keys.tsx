import { useState } from 'react';
import { dataOf, toApiError, useResource } from '../api/hooks';
import type { AdminUser, CreatedKey, KeyActivity, List, VirtualKey } from '../api/types';
import { useSession } from '../app/session';
import { Code, Empty, Load, Notice, Num, Status } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Dialog } from '../components/Dialog';
import { Page, Section } from '../components/Page';
import { ago, dateTime, int, pct, usd } from '../lib/format';
import { CreateKeyForm } from './KeyForm';

type Pending = { kind: 'revoke' | 'rotate'; key: VirtualKey } | null;
type Shown = { title: string; key: CreatedKey } | null;

export function Keys() {
  const { api, can, me } = useSession();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [keys, reloadKeys] = useResource<List<VirtualKey>>(
    `/keys${includeRevoked ? '?include_revoked=true' : ''}`,
  );
  const [activity, reloadActivity] = useResource<List<KeyActivity>>('/reports/keys');
  const [admins] = useResource<List<AdminUser>>(can('admin') ? '/admins' : null);
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<Pending>(null);
  const [shown, setShown] = useState<Shown>(null);
  const [grace, setGrace] = useState('3600');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const operator = can('operator');
  const act = new Map((dataOf(activity)?.data ?? []).map((a) => [a.key_id, a]));

  const reload = () => {
    reloadKeys();
    reloadActivity();
  };

  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    try {
      if (pending.kind === 'revoke') {
        await api.del<VirtualKey>(`/keys/${encodeURIComponent(pending.key.id)}`);
        setDone(`Key “${pending.key.name}” was revoked. Calls with it are refused from now on.`);
      } else {
        const seconds = Number(grace);
        const created = await api.post<CreatedKey>(`/keys/${encodeURIComponent(pending.key.id)}/rotate`, {
          grace_s: Number.isInteger(seconds) && seconds >= 0 ? seconds : 3600,
        });
        setShown({ title: `New value for “${created.name}”`, key: created });
      }
      setPending(null);
      reload();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  const columns: Column<VirtualKey>[] = [
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
        `models=${k.models.join('|')}; endpoints=${k.endpoints.join('|')}; use_cases=${k.use_cases.join('|')}; tools=${k.tools.join('|')}`,
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
  if (operator)
    columns.push({
      key: 'actions',
      header: 'Actions',
      value: () => '',
      sortable: false,
      noCsv: true,
      render: (k) =>
        k.status === 'revoked' ? (
          <span className="muted">revoked {dateTime(k.revoked_at)}</span>
        ) : (
          <div className="btn-row">
            <button
              type="button"
              className="btn btn-small"
              onClick={() => setPending({ kind: 'rotate', key: k })}
            >
              Rotate<span className="sr-only"> key {k.name}</span>
            </button>
            <button
              type="button"
              className="btn btn-small btn-danger"
              onClick={() => setPending({ kind: 'revoke', key: k })}
            >
              Revoke<span className="sr-only"> key {k.name}</span>
            </button>
          </div>
        ),
    });

  return (
    <Page
      title="Keys & access"
      subtitle="Virtual keys applications call /v1 with: what each may do, what it has spent, when it was last used."
      actions={
        operator ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            Create key
          </button>
        ) : null
      }
    >
      {!operator ? (
        <Notice level="info">
          <p>
            You are signed in as a <strong>{me.role}</strong>: you can see keys but not create, rotate or
            revoke them (that needs the operator role).
          </p>
        </Notice>
      ) : null}
      {done ? (
        <Notice level="ok">
          <p>{done}</p>
        </Notice>
      ) : null}
      <Section title="Virtual keys">
        <Load res={keys} what="keys">
          {(list) => (
            <DataTable
              caption="Virtual keys"
              columns={columns}
              rows={list.data}
              rowKey={(k) => k.id}
              filename="keel-keys"
              toolbar={
                <label className="check">
                  <input
                    type="checkbox"
                    checked={includeRevoked}
                    onChange={(e) => setIncludeRevoked(e.target.checked)}
                  />
                  Show revoked keys
                </label>
              }
              empty={
                <Empty title="No keys yet">
                  <p>
                    {operator
                      ? 'Create one with the “Create key” button, '
                      : 'An operator can create one here, '}
                    with <Code>keel keys create --name my-app --models '*'</Code> or{' '}
                    <Code>POST /api/keys</Code>.
                  </p>
                </Empty>
              }
            />
          )}
        </Load>
      </Section>
      {can('admin') ? (
        <Section
          title="Admin users"
          description="Who may sign in here and use the admin API. Manage them with keel admins create|revoke."
        >
          <Load res={admins} what="admin users">
            {(list) => (
              <DataTable
                caption="Admin users"
                columns={[
                  { key: 'name', header: 'Name', value: (a: AdminUser) => a.name },
                  { key: 'role', header: 'Role', value: (a: AdminUser) => a.role },
                  {
                    key: 'status',
                    header: 'Status',
                    value: (a: AdminUser) => a.status,
                    render: (a: AdminUser) => (
                      <Status level={a.status === 'active' ? 'ok' : 'bad'}>{a.status}</Status>
                    ),
                  },
                  {
                    key: 'created',
                    header: 'Created',
                    value: (a: AdminUser) => a.created_at,
                    render: (a: AdminUser) => dateTime(a.created_at),
                  },
                  { key: 'by', header: 'Created by', value: (a: AdminUser) => a.created_by },
                ]}
                rows={list.data}
                rowKey={(a) => a.id}
                filename="keel-admin-users"
                empty={
                  <Empty title="No named admin users">
                    <p>
                      Only the bootstrap token can sign in. Add people with{' '}
                      <Code>keel admins create --name ana --role viewer</Code>.
                    </p>
                  </Empty>
                }
              />
            )}
          </Load>
        </Section>
      ) : null}

      <Dialog open={creating} title="Create a virtual key" onClose={() => setCreating(false)}>
        <CreateKeyForm
          onCreated={(k) => {
            setCreating(false);
            setShown({ title: `Key “${k.name}” created`, key: k });
            reload();
          }}
          onCancel={() => setCreating(false)}
        />
      </Dialog>

      <Dialog
        open={pending !== null}
        title={pending?.kind === 'revoke' ? 'Revoke key?' : 'Rotate key?'}
        onClose={() => {
          setPending(null);
          setError(null);
        }}
      >
        {pending ? (
          <>
            {pending.kind === 'revoke' ? (
              <p>
                Revoke <strong>{pending.key.name}</strong> (
                <code className="code">{pending.key.prefix}…</code>)? Every call with it is refused from the
                next request on. This cannot be undone.
              </p>
            ) : (
              <>
                <p>
                  Issue a new value for <strong>{pending.key.name}</strong>. The current value keeps working
                  for a grace period, so applications can switch over.
                </p>
                <div className="field">
                  <label htmlFor="grace">Grace period (seconds)</label>
                  <input
                    id="grace"
                    type="number"
                    min={0}
                    step={1}
                    value={grace}
                    onChange={(e) => setGrace(e.target.value)}
                  />
                </div>
              </>
            )}
            {error ? (
              <p className="field-error" role="alert">
                {error}
              </p>
            ) : null}
            <div className="btn-row">
              <button
                type="button"
                className={`btn ${pending.kind === 'revoke' ? 'btn-danger solid' : 'btn-primary'}`}
                disabled={busy}
                onClick={confirm}
              >
                {pending.kind === 'revoke' ? 'Revoke key' : 'Rotate key'}
              </button>
              <button type="button" className="btn" onClick={() => setPending(null)}>
                Cancel
              </button>
            </div>
          </>
        ) : null}
      </Dialog>

      <Dialog open={shown !== null} title={shown?.title ?? ''} onClose={() => setShown(null)}>
        {shown ? <ShownOnce created={shown.key} onDone={() => setShown(null)} /> : null}
      </Dialog>
    </Page>
  );
}

function Scopes({ k }: { k: VirtualKey }) {
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
      {k.team ? <div className="muted small">team: {k.team}</div> : null}
    </>
  );
}

function KeyBudget({ k, a }: { k: VirtualKey; a: KeyActivity | undefined }) {
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
      <meter
        min={0}
        max={1}
        low={0.8}
        high={0.99}
        optimum={0}
        value={Math.min(used, 1)}
        aria-label={`Budget used by ${k.name}`}
      />
      <span className="cell-sub">{pct(used)} used</span>
    </div>
  );
}

/** The one time a key value is visible: copy it now, Keel keeps only its hash. */
function ShownOnce({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
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
      {created.previous_key_expires_at ? (
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
