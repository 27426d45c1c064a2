import type { RedteamRun, RedteamRunList } from '@keel/api';
import { useState } from 'react';
import { useResource } from '../api/hooks';
import { DayLines } from '../charts/lazy';
import { Code, Empty, Load, Num, Status } from '../components/bits';
import { type Column, DataTable } from '../components/DataTable';
import { Section } from '../components/Page';
import { ago, dateTime, decimal, int, pct } from '../lib/format';
import { RedteamRunDialog } from './SecurityRedteamRun';

/** Runs that named no use case are grouped under this label (use case ids cannot contain spaces). */
const NO_USE_CASE = '(no use case)';
const labelOf = (r: RedteamRun) => r.use_case ?? NO_USE_CASE;
const scoreFmt = (v: number | null) => decimal(v);

interface UseCaseRuns {
  useCase: string;
  /** Newest first, as the API lists them. */
  runs: RedteamRun[];
  latest: RedteamRun;
  /** Score change from the run before the latest; null with a single run. */
  delta: number | null;
}

function byUseCase(runs: readonly RedteamRun[]): UseCaseRuns[] {
  const groups = new Map<string, RedteamRun[]>();
  for (const r of runs) groups.set(labelOf(r), [...(groups.get(labelOf(r)) ?? []), r]);
  return [...groups].map(([useCase, list]) => {
    const [latest, previous] = list as [RedteamRun, RedteamRun | undefined];
    return {
      useCase,
      runs: list,
      latest,
      delta: previous ? latest.summary.score - previous.summary.score : null,
    };
  });
}

const below = (r: RedteamRun) => r.summary.score < r.min_score;

function ScoreStatus({ run }: { run: RedteamRun }) {
  return (
    <Status level={below(run) ? 'bad' : 'ok'} title={`threshold ${run.min_score}`}>
      <Num value={run.summary.score} fmt={scoreFmt} />
    </Status>
  );
}

/** Score, attack success rate and false-positive rate of the run a row stands for. */
function figureColumns<R>(run: (row: R) => RedteamRun): Column<R>[] {
  return [
    {
      key: 'score',
      header: 'Score',
      numeric: true,
      value: (row) => run(row).summary.score,
      render: (row) => <ScoreStatus run={run(row)} />,
    },
    ...(
      [
        ['asr', 'Attack success', 'attack_success_rate'],
        ['fpr', 'False positives', 'false_positive_rate'],
      ] as const
    ).map(
      ([key, header, field]): Column<R> => ({
        key,
        header,
        numeric: true,
        value: (row) => run(row).summary[field],
        render: (row) => <Num value={run(row).summary[field]} fmt={pct} />,
      }),
    ),
  ];
}

function trendText(delta: number | null): string {
  if (delta === null) return 'first run';
  if (delta === 0) return 'unchanged';
  return `${delta > 0 ? '▲ +' : '▼ '}${decimal(delta)}`;
}

/**
 * Stored `keel redteam` runs (GET /api/redteam/runs): the newest per use case with its score, attack
 * success and false-positive rates, the score across runs against the threshold, and each run's
 * categories and worst cases.
 */
export function RedteamRuns() {
  const [res] = useResource<RedteamRunList>('/redteam/runs?limit=1000');
  const [picked, setPicked] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const groups = res.status === 'ok' ? byUseCase(res.data.data) : [];
  const current = groups.find((g) => g.useCase === picked) ?? groups[0];
  const shown = current?.useCase ?? null;
  const latestColumns: Column<UseCaseRuns>[] = [
    {
      key: 'use_case',
      header: 'Use case',
      value: (g) => g.useCase,
      // The use case's trend and runs are shown below the table; its name picks which one.
      render: (g) => (
        <button
          type="button"
          className="btn btn-ghost"
          aria-pressed={g.useCase === shown}
          onClick={() => setPicked(g.useCase)}
        >
          {g.useCase}
        </button>
      ),
    },
    ...figureColumns((g: UseCaseRuns) => g.latest),
    { key: 'min_score', header: 'Threshold', numeric: true, value: (g) => g.latest.min_score },
    {
      key: 'attacks',
      header: 'Attacks',
      numeric: true,
      value: (g) => g.latest.summary.attacks,
      render: (g) => <Num value={g.latest.summary.attacks} fmt={int} />,
    },
    {
      key: 'when',
      header: 'When',
      value: (g) => g.latest.finished_at,
      render: (g) => <span title={dateTime(g.latest.finished_at)}>{ago(g.latest.finished_at)}</span>,
    },
    {
      key: 'trend',
      header: 'Since the run before',
      value: (g) => g.delta,
      render: (g) => trendText(g.delta),
    },
    { key: 'runs', header: 'Runs', numeric: true, value: (g) => g.runs.length },
  ];
  return (
    <Section
      title="Red-team runs"
      description="Stored runs of keel redteam: how often attacks got through and benign prompts were blocked, per use case and over time."
    >
      <Load res={res} what="red-team runs">
        {(list) => {
          if (list.data.length === 0) return <NoRuns />;
          return (
            <>
              <DataTable
                caption="Latest red-team run per use case"
                columns={latestColumns}
                rows={groups}
                rowKey={(g) => g.useCase}
                rowClass={(g) => (below(g.latest) ? 'row-flag' : undefined)}
                filename="keel-redteam-latest"
                empty={<NoRuns />}
              />
              {current ? <UseCaseTrend group={current} onOpen={setOpen} /> : null}
            </>
          );
        }}
      </Load>
      <RedteamRunDialog id={open} onClose={() => setOpen(null)} />
    </Section>
  );
}

function UseCaseTrend({ group, onOpen }: { group: UseCaseRuns; onOpen: (id: string) => void }) {
  const oldestFirst = [...group.runs].reverse();
  const columns: Column<RedteamRun>[] = [
    { key: 'when', header: 'When', value: (r) => r.finished_at, render: (r) => dateTime(r.finished_at) },
    ...figureColumns((r: RedteamRun) => r),
    { key: 'model', header: 'Model', value: (r) => r.target.model },
    { key: 'source', header: 'Source', value: (r) => r.source },
    {
      key: 'open',
      header: 'Run',
      noCsv: true,
      value: () => '',
      render: (r) => (
        <button type="button" className="btn btn-ghost" onClick={() => onOpen(r.id)}>
          Details<span className="sr-only"> of the run at {dateTime(r.finished_at)}</span>
        </button>
      ),
    },
  ];
  return (
    <div className="redteam-trend">
      <h3>Score across runs: {group.useCase}</h3>
      <DayLines
        title={`Red-team score across runs of ${group.useCase}`}
        summary={`${group.runs.length} run(s); the latest scored ${decimal(group.latest.summary.score)} against a threshold of ${group.latest.min_score} (${trendText(group.delta)}).`}
        points={oldestFirst.map((r) => ({
          day: r.finished_at,
          score: r.summary.score,
          asr: r.summary.attack_success_rate * 100,
          fpr: r.summary.false_positive_rate * 100,
        }))}
        series={[
          { key: 'score', label: 'Score', color: 'var(--c-1)' },
          { key: 'asr', label: 'Attack success %', color: 'var(--c-7)', dashed: true },
          { key: 'fpr', label: 'False positives %', color: 'var(--c-4)', dashed: true },
        ]}
        fmt={scoreFmt}
        referenceY={{ y: group.latest.min_score, label: 'threshold' }}
        small
      />
      <DataTable
        caption={`Red-team runs of ${group.useCase}`}
        columns={columns}
        rows={group.runs}
        rowKey={(r) => r.id}
        filename="keel-redteam-runs"
        empty={<NoRuns />}
      />
    </div>
  );
}

function NoRuns() {
  return (
    <Empty title="No red-team runs yet">
      <p>
        Attack a route with{' '}
        <Code>keel redteam --target http://127.0.0.1:8700/v1 --key KEY --model MODEL --use-case ID</Code>.
      </p>
      <p>
        Pointed at Keel, it stores each run here (<Code>POST /api/redteam/runs</Code> with an operator or
        admin token: <Code>--admin-token</Code> or <Code>KEEL_ADMIN_TOKEN</Code>) and the score is checked
        against <Code>redteam.min_score</Code> in <Code>keel.yaml</Code>.
      </p>
    </Empty>
  );
}
