import type { AuditEntry, AuditPage, VerifyResult } from '@keel/api';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { toApiError } from '../api/hooks';
import { useSession } from '../app/session';
import { Code, Empty, Loading, Notice } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Section } from '../components/Page';
import { dateTime, int } from '../lib/format';
import { qs } from '../lib/period';

interface Filters {
  actor: string;
  action: string;
  target: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { actor: '', action: '', target: '', from: '', to: '' };
const PAGE = 25;

function query(f: Filters, before: number | null): string {
  return `/audit${qs({
    actor: f.actor.trim(),
    action: f.action.trim(),
    target: f.target.trim(),
    from: f.from,
    // The "to" day is included whole.
    to: f.to ? `${f.to}T23:59:59.999Z` : '',
    before_seq: before,
    limit: PAGE,
  })}`;
}

/** Compact one-line view of an entry's (already masked) details. */
function detailsText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/**
 * GET /api/audit with filters, newest first, paged with next_cursor; POST /api/audit/verify
 * re-walks the hash chain and checkpoints (operator role) and says where it is broken.
 */
export function AuditLog() {
  const { api, can, gate } = useSession();
  const id = useId();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setEntries(null);
    if (gate('GET', '/audit') !== 'ok') {
      setMissing(gate('GET', '/audit') === 'missing');
      setError('The audit log is not available to your role.');
      setEntries([]);
      return;
    }
    api.get<AuditPage>(query(filters, null)).then(
      (p) => {
        if (!live) return;
        setEntries(p.data);
        setCursor(p.next_cursor);
        setError(null);
      },
      (e: unknown) => {
        if (!live) return;
        const err = toApiError(e);
        setMissing(err.routeMissing);
        setError(err.message);
        setEntries([]);
      },
    );
    return () => {
      live = false;
    };
  }, [api, gate, filters]);

  const more = async () => {
    if (cursor === null) return;
    try {
      const p = await api.get<AuditPage>(query(filters, cursor));
      setEntries((cur) => [...(cur ?? []), ...p.data]);
      setCursor(p.next_cursor);
    } catch (e) {
      setError(toApiError(e).message);
    }
  };

  const runVerify = async () => {
    setVerifying(true);
    setVerify(null);
    setVerifyError(null);
    try {
      setVerify(await api.post<VerifyResult>('/audit/verify'));
    } catch (e) {
      setVerifyError(toApiError(e).message);
    } finally {
      setVerifying(false);
    }
  };

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };

  const columns: Column<AuditEntry>[] = [
    { key: 'seq', header: '#', numeric: true, value: (e) => e.seq },
    { key: 'time', header: 'Time', value: (e) => e.time, render: (e) => dateTime(e.time) },
    { key: 'actor', header: 'Actor', value: (e) => e.actor },
    { key: 'action', header: 'Action', value: (e) => e.action },
    { key: 'target', header: 'Target', value: (e) => e.target ?? '', render: (e) => e.target ?? '—' },
    {
      key: 'details',
      header: 'Details',
      sortable: false,
      value: (e) => JSON.stringify(e.details),
      render: (e) => {
        const text = detailsText(e.details);
        return (
          <span className="small" title={text.length > 160 ? text : undefined}>
            {text.length > 160 ? `${text.slice(0, 157)}…` : text}
          </span>
        );
      },
    },
    {
      key: 'hash',
      header: 'Hash',
      sortable: false,
      value: (e) => e.hash,
      render: (e) => <code className="code">{e.hash.slice(0, 12)}…</code>,
    },
  ];

  const f = (name: keyof Filters, label: string, type = 'text', placeholder = '') => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type={type}
        value={draft[name]}
        placeholder={placeholder}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
      />
    </div>
  );

  return (
    <Section
      title="Audit log"
      description="Every admin action, refused call and guard decision, hash-chained so a changed, deleted or inserted entry is detected."
      actions={
        can('operator') ? (
          <button type="button" className="btn btn-primary" onClick={runVerify} disabled={verifying}>
            {verifying ? 'Verifying…' : 'Verify chain'}
          </button>
        ) : (
          <span className="muted small">Verifying the chain needs the operator role.</span>
        )
      }
    >
      <div aria-live="polite" data-testid="verify-result">
        {verify ? (
          verify.ok ? (
            <Notice level="ok">
              <p>
                <strong>Chain intact.</strong> {int(verify.entries)} entries and {int(verify.checkpoints)}{' '}
                checkpoints verified
                {verify.head ? `; head #${verify.head.seq}` : ''}.
              </p>
              {verify.warnings.map((w) => (
                <p key={w} className="small">
                  Note: {w}
                </p>
              ))}
            </Notice>
          ) : (
            <Notice level="bad">
              <p>
                <strong>Chain broken.</strong>{' '}
                {verify.problems[0]
                  ? `First problem at entry #${verify.problems[0].seq ?? '?'} (${verify.problems[0].kind}): ${verify.problems[0].message}`
                  : 'Verification failed.'}
              </p>
              {verify.problems.length > 1 ? (
                <ul className="small">
                  {verify.problems.slice(1, 10).map((p) => (
                    <li key={`${p.seq}-${p.kind}-${p.message}`}>
                      #{p.seq ?? '?'} {p.kind}: {p.message}
                    </li>
                  ))}
                </ul>
              ) : null}
              <p className="small">
                {int(verify.entries)} entries read. Compare with the checkpoint file exported outside the
                database, and run <Code>keel audit verify</Code> for the full report.
              </p>
            </Notice>
          )
        ) : null}
        {verifyError ? (
          <Notice level="bad">
            <p>Could not verify: {verifyError}</p>
          </Notice>
        ) : null}
      </div>
      <form className="filters" onSubmit={apply} aria-label="Filter the audit log">
        {f('actor', 'Actor', 'text', 'admin:bootstrap')}
        {f('action', 'Action', 'text', 'key.revoke')}
        {f('target', 'Target')}
        {f('from', 'From', 'date')}
        {f('to', 'To', 'date')}
        <button type="submit" className="btn">
          Apply filters
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      {entries === null ? (
        <Loading what="the audit log" />
      ) : error ? (
        missing ? (
          <Empty title="No audit log in this Keel">
            <p>
              <Code>GET /api/audit</Code> is not served here.
            </p>
          </Empty>
        ) : (
          <Notice level="bad">
            <p>Could not load the audit log: {error}</p>
          </Notice>
        )
      ) : (
        <>
          <DataTable
            caption="Audit log entries"
            columns={columns}
            rows={entries}
            rowKey={(e) => String(e.seq)}
            filename="keel-audit-log"
            empty={
              <Empty title="No entries match">
                <p>
                  Clear the filters, or widen the dates. Actions are exact names such as key.create or
                  request.refused.
                </p>
              </Empty>
            }
          />
          {cursor !== null ? (
            <button type="button" className="btn" onClick={more} style={{ marginTop: '0.5rem' }}>
              Load older entries
            </button>
          ) : null}
        </>
      )}
    </Section>
  );
}
