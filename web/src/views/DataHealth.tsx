import type { ReactNode } from 'react';
import { useResource } from '../api/hooks';
import { Distribution } from '../charts/lazy';
import { Code, Empty, Load } from '../components/bits';
import { GenericTable } from '../components/GenericTable';
import { Page, Section } from '../components/Page';

type Row = Record<string, unknown>;

interface Histogram {
  bins: string[];
  reference: number[];
  current: number[];
}

/** A drift result that carries both distributions (binned shares) can be drawn. */
function histogramOf(r: Row): Histogram | null {
  const h = r.histogram as Partial<Histogram> | undefined;
  if (!h || !Array.isArray(h.bins) || !Array.isArray(h.reference) || !Array.isArray(h.current)) return null;
  if (h.bins.length !== h.reference.length || h.bins.length !== h.current.length) return null;
  return h as Histogram;
}

function List({
  path,
  title,
  description,
  what,
  missing,
  empty,
  prefer,
}: {
  path: string;
  title: string;
  description: string;
  what: string;
  missing: string;
  empty: ReactNode;
  prefer?: string[];
}) {
  const [res] = useResource<{ data: Row[] }>(path);
  return (
    <Section title={title} description={description}>
      <Load
        res={res}
        what={what}
        missing={
          <p>
            This Keel does not serve <Code>{missing}</Code> yet.
          </p>
        }
      >
        {(d) => (
          <GenericTable
            caption={title}
            rows={d.data}
            filename={`keel-${what.replaceAll(' ', '-')}`}
            empty={empty}
            prefer={prefer}
          />
        )}
      </Load>
    </Section>
  );
}

export function DataHealth() {
  const [drift] = useResource<{ data: Row[] }>('/drift');
  return (
    <Page
      title="Data health"
      subtitle="The data behind each use case: datasets, contracts, drift and live monitors."
    >
      <List
        path="/datasets"
        title="Datasets and versions"
        description="Registered datasets, their current version and where they came from."
        what="datasets"
        missing="GET /api/datasets"
        prefer={['id', 'name', 'version', 'rows', 'use_case', 'updated_at']}
        empty={
          <Empty title="No datasets registered">
            <p>
              Register one with <Code>keel data register</Code> so contracts and drift can be checked against
              it.
            </p>
          </Empty>
        }
      />
      <List
        path="/contracts/checks"
        title="Latest contract checks"
        description="Schema and quality expectations, checked on every new version."
        what="contract checks"
        missing="GET /api/contracts/checks"
        empty={<Empty title="No contract checks yet" />}
      />
      <Section
        title="Drift"
        description="Per column: how far current inputs moved from the reference, with both distributions drawn."
      >
        <Load
          res={drift}
          what="drift results"
          missing={
            <p>
              This Keel does not serve <Code>GET /api/drift</Code> yet.
            </p>
          }
        >
          {(d) => (
            <>
              {d.data
                .map((r) => ({ r, h: histogramOf(r) }))
                .filter((x): x is { r: Row; h: Histogram } => x.h !== null)
                .slice(0, 6)
                .map(({ r, h }) => (
                  <Distribution
                    key={String(r.column ?? r.id)}
                    title={`Drift of ${String(r.column ?? r.id)}`}
                    summary={`${String(r.column ?? '')}: reference vs current share per bin${r.drifted ? ' — drifted' : ''}.`}
                    points={h.bins.map((bin, i) => ({
                      bin,
                      reference: h.reference[i] ?? 0,
                      current: h.current[i] ?? 0,
                    }))}
                  />
                ))}
              <GenericTable
                caption="Drift results"
                rows={d.data.map(({ histogram: _h, ...rest }) => rest)}
                filename="keel-drift"
                prefer={['dataset', 'column', 'test', 'statistic', 'p_value', 'drifted']}
                empty={<Empty title="No drift results yet" />}
              />
            </>
          )}
        </Load>
      </Section>
      <List
        path="/monitors"
        title="Live traffic monitors"
        description="Monitors over live traffic and their alerts."
        what="monitors"
        missing="GET /api/monitors"
        empty={<Empty title="No monitors configured" />}
      />
    </Page>
  );
}
