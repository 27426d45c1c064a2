import type { Alert, AlertList, AlertState, Severity } from '@keel/api';
import { useState } from 'react';
import { toApiError, useResource } from '../api/hooks';
import { Link, pathOfUseCase } from '../app/router';
import { useSession } from '../app/session';
import { Code, Empty, type Level, Load, Notice, Status } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Page, Section } from '../components/Page';
import { Segmented } from '../components/Segmented';
import { dateTime } from '../lib/format';

const TABS: Array<{ state: AlertState | 'all'; label: string }> = [
  { state: 'open', label: 'Open' },
  { state: 'acknowledged', label: 'Acknowledged' },
  { state: 'resolved', label: 'Resolved' },
  { state: 'all', label: 'All' },
];

const SEVERITY_LEVEL: Record<Severity, Level> = { critical: 'bad', warning: 'warn', info: 'info' };
const STATE_LEVEL: Record<AlertState, Level> = { open: 'bad', acknowledged: 'warn', resolved: 'ok' };

/** What became of the alert's webhook notifications: one line, the failures named. */
function deliverySummary(a: Alert): string {
  if (a.delivery.length === 0) return 'none sent';
  const failed = a.delivery.filter((d) => d.status === 'failed').length;
  return failed === 0 ? `${a.delivery.length} delivered` : `${failed} of ${a.delivery.length} failed`;
}

function Delivery({ a }: { a: Alert }) {
  if (a.delivery.length === 0) return <span className="muted">{deliverySummary(a)}</span>;
  const failed = a.delivery.filter((d) => d.status === 'failed');
  return (
    <>
      <Status level={failed.length === 0 ? 'ok' : 'bad'}>{deliverySummary(a)}</Status>
      {failed.map((d) => (
        <span key={d.delivery_id} className="cell-sub">
          {d.webhook}: {d.last_error ?? `HTTP ${d.last_status}`} after {d.attempts} attempt(s)
        </span>
      ))}
    </>
  );
}

export function Alerts() {
  const { api, can } = useSession();
  const [tab, setTab] = useState<AlertState | 'all'>('open');
  const [alerts, reload] = useResource<AlertList>(`/alerts?${tab === 'all' ? '' : `state=${tab}&`}limit=500`);
  const [message, setMessage] = useState<{ level: Level; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const operator = can('operator');

  const act = async (a: Alert, action: 'ack' | 'resolve') => {
    setBusy(a.id);
    try {
      await api.post<Alert>(`/alerts/${encodeURIComponent(a.id)}/${action}`);
      setMessage({
        level: 'ok',
        text: `Alert “${a.title}” ${action === 'ack' ? 'acknowledged' : 'resolved'}.`,
      });
      reload();
    } catch (e) {
      setMessage({ level: 'bad', text: toApiError(e).message });
    } finally {
      setBusy(null);
    }
  };

  const evaluate = async () => {
    setBusy('evaluate');
    try {
      const open = await api.post<AlertList>('/alerts/evaluate');
      setMessage({ level: 'ok', text: `Rules evaluated: ${open.data.length} open alert(s).` });
      reload();
    } catch (e) {
      setMessage({ level: 'bad', text: toApiError(e).message });
    } finally {
      setBusy(null);
    }
  };

  const columns: Column<Alert>[] = [
    {
      key: 'severity',
      header: 'Severity',
      value: (a) => a.severity,
      render: (a) => <Status level={SEVERITY_LEVEL[a.severity] ?? 'info'}>{a.severity}</Status>,
    },
    {
      key: 'title',
      header: 'Alert',
      value: (a) => a.title,
      render: (a) => (
        <>
          {a.title}
          <span className="cell-sub">
            rule {a.rule} · {a.scope}{' '}
            {a.scope === 'use_case' ? <Link to={pathOfUseCase(a.subject)}>{a.subject}</Link> : a.subject}
          </span>
        </>
      ),
    },
    {
      key: 'state',
      header: 'State',
      value: (a) => a.state,
      render: (a) => (
        <>
          <Status level={STATE_LEVEL[a.state]}>{a.state}</Status>
          {a.acknowledged_by ? <span className="cell-sub">ack by {a.acknowledged_by}</span> : null}
          {a.resolved_by ? <span className="cell-sub">resolved by {a.resolved_by}</span> : null}
        </>
      ),
    },
    { key: 'opened', header: 'Opened', value: (a) => a.opened_at, render: (a) => dateTime(a.opened_at) },
    {
      key: 'last_seen',
      header: 'Last seen',
      value: (a) => a.last_seen_at,
      render: (a) => dateTime(a.last_seen_at),
    },
    { key: 'delivery', header: 'Webhooks', value: deliverySummary, render: (a) => <Delivery a={a} /> },
  ];
  if (operator)
    columns.push({
      key: 'actions',
      header: 'Actions',
      value: () => '',
      noCsv: true,
      sortable: false,
      render: (a) =>
        a.state === 'resolved' ? (
          <span className="muted">—</span>
        ) : (
          <div className="btn-row">
            {a.state === 'open' ? (
              <button
                type="button"
                className="btn btn-small"
                disabled={busy === a.id}
                onClick={() => act(a, 'ack')}
              >
                Acknowledge<span className="sr-only"> {a.title}</span>
              </button>
            ) : null}
            <button
              type="button"
              className="btn btn-small"
              disabled={busy === a.id}
              onClick={() => act(a, 'resolve')}
            >
              Resolve<span className="sr-only"> {a.title}</span>
            </button>
          </div>
        ),
    });

  return (
    <Page
      title="Alerts"
      subtitle="Budget forecasts, ROI below target, spend and error spikes, unpriced calls."
      actions={
        operator ? (
          <button type="button" className="btn" onClick={evaluate} disabled={busy === 'evaluate'}>
            Evaluate rules now
          </button>
        ) : null
      }
    >
      {message ? (
        <Notice level={message.level}>
          <p>{message.text}</p>
        </Notice>
      ) : null}
      <Segmented
        legend="Alert state"
        options={TABS.map((t) => ({ id: t.state, label: t.label }))}
        value={tab}
        onChange={setTab}
      />
      <div style={{ height: '0.75rem' }} />
      <Section title={`${TABS.find((t) => t.state === tab)?.label ?? ''} alerts`}>
        <Load
          res={alerts}
          what="alerts"
          missing={
            <p>
              Alerts come with the value service (<Code>GET /api/alerts</Code>), which this Keel does not
              serve.
            </p>
          }
        >
          {(list) => (
            <DataTable
              caption={`${tab} alerts`}
              columns={columns}
              rows={list.data}
              rowKey={(a) => a.id}
              filename={`keel-alerts-${tab}`}
              empty={
                <Empty
                  title={tab === 'open' ? 'No open alerts' : `No ${tab === 'all' ? '' : `${tab} `}alerts`}
                >
                  <p>
                    Alert rules run every few minutes over budgets, ROI targets, spend and error spikes and
                    unpriced calls (configure them under <Code>alerts.rules</Code> in <Code>keel.yaml</Code>).
                  </p>
                </Empty>
              }
            />
          )}
        </Load>
      </Section>
    </Page>
  );
}
