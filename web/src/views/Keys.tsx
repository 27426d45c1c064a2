import type {
  AdminInfo,
  AdminList,
  CreatedKey,
  KeyActivityReport,
  KeyInfo,
  KeyList,
  RotatedKey,
} from '@keel/api';
import { useState } from 'react';
import { dataOf, toApiError, useResource } from '../api/hooks';
import { useSession } from '../app/session';
import { Code, Empty, Load, Notice, Status } from '../components/bits';
import { ConfirmActions } from '../components/ConfirmActions';
import { DataTable } from '../components/DataTable';
import { Dialog } from '../components/Dialog';
import { Page, Section } from '../components/Page';
import { dateTime } from '../lib/format';
import { CreateKeyForm } from './KeyForm';
import { keyColumns, ShownOnce } from './KeyParts';

type Pending = { kind: 'revoke' | 'rotate'; key: KeyInfo } | null;
type Shown = { title: string; key: CreatedKey | RotatedKey } | null;

export function Keys() {
  const { api, can, me } = useSession();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [keys, reloadKeys] = useResource<KeyList>(`/keys${includeRevoked ? '?include_revoked=true' : ''}`);
  const [activity, reloadActivity] = useResource<KeyActivityReport>('/reports/keys');
  const [admins] = useResource<AdminList>(can('admin') ? '/admins' : null);
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
        await api.del<KeyInfo>(`/keys/${encodeURIComponent(pending.key.id)}`);
        setDone(`Key “${pending.key.name}” was revoked. Calls with it are refused from now on.`);
      } else {
        const seconds = Number(grace);
        const created = await api.post<RotatedKey>(`/keys/${encodeURIComponent(pending.key.id)}/rotate`, {
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

  const columns = keyColumns(act);
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
                  { key: 'name', header: 'Name', value: (a: AdminInfo) => a.name },
                  { key: 'role', header: 'Role', value: (a: AdminInfo) => a.role },
                  {
                    key: 'status',
                    header: 'Status',
                    value: (a: AdminInfo) => a.status,
                    render: (a: AdminInfo) => (
                      <Status level={a.status === 'active' ? 'ok' : 'bad'}>{a.status}</Status>
                    ),
                  },
                  {
                    key: 'created',
                    header: 'Created',
                    value: (a: AdminInfo) => a.created_at,
                    render: (a: AdminInfo) => dateTime(a.created_at),
                  },
                  { key: 'by', header: 'Created by', value: (a: AdminInfo) => a.created_by },
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
            <ConfirmActions
              label={pending.kind === 'revoke' ? 'Revoke key' : 'Rotate key'}
              danger={pending.kind === 'revoke'}
              busy={busy}
              error={error}
              onConfirm={confirm}
              onCancel={() => setPending(null)}
            />
          </>
        ) : null}
      </Dialog>

      <Dialog open={shown !== null} title={shown?.title ?? ''} onClose={() => setShown(null)}>
        {shown ? <ShownOnce created={shown.key} onDone={() => setShown(null)} /> : null}
      </Dialog>
    </Page>
  );
}
