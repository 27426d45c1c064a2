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

const text = (a: RedteamAttempt, key: 'outcome' | 'category' | 'strategy' | 'title') => a[key];
const excerpt = (v: string) => <pre className="excerpt small">{v}</pre>;

const worstColumns: Column<RedteamAttempt>[] = [
  ...(
    [
      ['outcome', 'Outcome'],
      ['category', 'Category'],
      ['strategy', 'Strategy'],
      ['title', 'Probe'],
    ] as const
  ).map(([key, header]): Column<RedteamAttempt> => ({ key, header, value: (a) => text(a, key) })),
  { key: 'evidence', header: 'Evidence', value: (a) => a.evidence ?? a.error_code ?? '' },
  {
    key: 'request',
    header: 'Request (masked)',
    value: (a) => a.request_excerpt,
    render: (a) => excerpt(a.request_excerpt),
  },
  {
    key: 'response',
    header: 'Response (masked)',
    value: (a) => a.response_excerpt,
    render: (a) => excerpt(a.response_excerpt),
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
              {(
                [
                  ['rt_score', 'Score', run.summary.score, decimal, `threshold ${run.min_score}`],
                  ['rt_asr', 'Attack success', run.summary.attack_success_rate, pct, undefined],
                  ['rt_fpr', 'False positives', run.summary.false_positive_rate, pct, undefined],
                  ['rt_attacks', 'Attacks', run.summary.attacks, int, undefined],
                ] as const
              ).map(([kpi, label, value, fmt, hint]) => (
                <Kpi key={kpi} id={kpi} label={label} value={value} fmt={fmt} hint={hint} />
              ))}
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
