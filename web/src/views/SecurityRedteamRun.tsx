import type { RedteamAttempt, RedteamCategoryTally, RedteamRunDetail } from '@keel/api';
import { useResource } from '../api/hooks';
import { Code, Empty, Kpi, Load, Num } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Dialog } from '../components/Dialog';
import { dateTime, decimal, duration, int, pct } from '../lib/format';

const tallyColumns: Column<RedteamCategoryTally>[] = [
  { key: 'category', header: 'Category', value: (t) => t.category },
  { key: 'owasp', header: 'OWASP', value: (t) => t.owasp },
  ...(
    [
      ['attacks', 'Attacks'],
      ['blocked', 'Blocked'],
      ['succeeded', 'Succeeded'],
      ['resisted', 'Resisted'],
      ['benign', 'Benign'],
      ['false_positives', 'False positives'],
      ['errors', 'Errors'],
    ] as const
  ).map(
    ([key, header]): Column<RedteamCategoryTally> => ({
      key,
      header,
      numeric: true,
      value: (t) => t[key],
      render: (t) => <Num value={t[key]} fmt={int} />,
    }),
  ),
];

const worstColumns: Column<RedteamAttempt>[] = [
  { key: 'outcome', header: 'Outcome', value: (a) => a.outcome },
  { key: 'category', header: 'Category', value: (a) => a.category },
  { key: 'strategy', header: 'Strategy', value: (a) => a.strategy },
  { key: 'title', header: 'Probe', value: (a) => a.title },
  { key: 'evidence', header: 'Evidence', value: (a) => a.evidence ?? a.error_code ?? '' },
  {
    key: 'request',
    header: 'Request (masked)',
    value: (a) => a.request_excerpt,
    render: (a) => <pre className="excerpt small">{a.request_excerpt}</pre>,
  },
  {
    key: 'response',
    header: 'Response (masked)',
    value: (a) => a.response_excerpt,
    render: (a) => <pre className="excerpt small">{a.response_excerpt}</pre>,
  },
];

/** One stored run (GET /api/redteam/runs/:id): its figures per category and its worst cases. */
export function RedteamRunDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const [res] = useResource<RedteamRunDetail>(id ? `/redteam/runs/${encodeURIComponent(id)}` : null);
  return (
    <Dialog open={id !== null} title="Red-team run" onClose={onClose}>
      <Load res={res} what="the red-team run">
        {(run) => (
          <>
            <p className="muted small">
              {run.use_case ?? '(no use case)'} · {run.target.model} at <Code>{run.target.url}</Code> ·{' '}
              {dateTime(run.finished_at)} · {duration(run.duration_ms)} · seed {run.seed} · corpus{' '}
              {run.corpus_version}
            </p>
            <dl className="kpis">
              <Kpi
                id="rt_score"
                label="Score"
                value={run.summary.score}
                fmt={decimal}
                hint={`threshold ${run.min_score}`}
              />
              <Kpi id="rt_asr" label="Attack success" value={run.summary.attack_success_rate} fmt={pct} />
              <Kpi id="rt_fpr" label="False positives" value={run.summary.false_positive_rate} fmt={pct} />
              <Kpi id="rt_attacks" label="Attacks" value={run.summary.attacks} fmt={int} />
            </dl>
            <DataTable
              caption="Per category"
              columns={tallyColumns}
              rows={run.by_category}
              rowKey={(t) => t.category}
              filename="keel-redteam-categories"
              empty={<Empty title="No categories in this run" />}
            />
            <DataTable
              caption="Worst cases"
              columns={worstColumns}
              rows={run.worst}
              rowKey={(a) => a.probe_id}
              filename="keel-redteam-worst"
              empty={<Empty title="No attack got through and no benign prompt was blocked" />}
            />
          </>
        )}
      </Load>
    </Dialog>
  );
}
