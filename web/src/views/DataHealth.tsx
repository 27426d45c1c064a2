import type { DataHealthInfo, DatasetInfo, DatasetList, DatasetVersionInfo, VersionResults } from '@keel/api';
import { useMemo } from 'react';
import { dataOf, useResource, useResources } from '../api/hooks';
import { Code, Empty, Load, Status } from '../components/bits';
import { DataTable } from '../components/DataTable';
import { Page, Section } from '../components/Page';
import { dateTime, int } from '../lib/format';
import { DriftDetail, MonitorTables } from './DataParts';

const MAX_DATASETS = 25;

type CheckRow = VersionResults['checks'][number] & { dataset: string; version: string };
type DriftRow = VersionResults['drifts'][number] & { dataset: string; version: string };

/**
 * The data behind the use cases: registered datasets and versions (GET /api/datasets), the latest
 * contract checks and drift runs of each latest version (GET /api/datasets/:name/versions/latest/
 * results), and the live traffic monitors (GET /api/data/health).
 */
export function DataHealth() {
  const [datasets] = useResource<DatasetList>('/datasets');
  const [health] = useResource<DataHealthInfo>('/data/health');
  const list = dataOf(datasets)?.data;
  const paths = useMemo(
    () =>
      list
        ? list
            .filter((d) => d.latest)
            .slice(0, MAX_DATASETS)
            .map((d) => `/datasets/${encodeURIComponent(d.name)}/versions/latest/results`)
        : null,
    [list],
  );
  const results = useResources<VersionResults>(paths);
  const all = results.status === 'ok' ? results.data : [];
  const checks: CheckRow[] = all.flatMap((r) =>
    r.checks.map((c) => ({ ...c, dataset: r.version.split('@')[0] ?? r.version, version: r.version })),
  );
  const drifts: DriftRow[] = all.flatMap((r) =>
    r.drifts
      .filter((d) => d.role === 'current')
      .map((d) => ({ ...d, dataset: r.version.split('@')[0] ?? r.version, version: r.version })),
  );
  const newest = [...drifts].sort((a, b) => b.created_at.localeCompare(a.created_at))[0];

  return (
    <Page
      title="Data health"
      subtitle="The data behind each use case: datasets, contracts, drift and live monitors."
    >
      <Section title="Datasets and versions" description="Registered datasets with their latest version.">
        <Load
          res={datasets}
          what="datasets"
          missing={
            <p>
              This Keel does not serve <Code>GET /api/datasets</Code>.
            </p>
          }
        >
          {(d) => (
            <DataTable
              caption="Datasets"
              columns={[
                {
                  key: 'name',
                  header: 'Dataset',
                  value: (x: DatasetInfo) => x.name,
                  render: (x: DatasetInfo) => (
                    <>
                      {x.name}
                      <span className="cell-sub">
                        {[x.owner, x.description].filter(Boolean).join(' · ') || '—'}
                      </span>
                    </>
                  ),
                },
                {
                  key: 'latest',
                  header: 'Latest version',
                  value: (x: DatasetInfo) => x.latest?.ref ?? '',
                  render: (x: DatasetInfo) => x.latest?.ref ?? '—',
                },
                {
                  key: 'versions',
                  header: 'Versions',
                  numeric: true,
                  value: (x: DatasetInfo) => x.versions,
                  render: (x: DatasetInfo) => int(x.versions),
                },
                {
                  key: 'rows',
                  header: 'Rows',
                  numeric: true,
                  value: (x: DatasetInfo) => x.latest?.rows ?? null,
                  render: (x: DatasetInfo) => int(x.latest?.rows),
                },
                {
                  key: 'columns',
                  header: 'Columns',
                  numeric: true,
                  value: (x: DatasetInfo) => columnCount(x.latest),
                  render: (x: DatasetInfo) => int(columnCount(x.latest)),
                },
                {
                  key: 'updated',
                  header: 'Updated',
                  value: (x: DatasetInfo) => x.updated_at,
                  render: (x: DatasetInfo) => dateTime(x.updated_at),
                },
              ]}
              rows={d.data}
              rowKey={(x) => x.name}
              filename="keel-datasets"
              empty={
                <Empty title="No datasets registered">
                  <p>
                    Register one with <Code>keel data register faq.csv --name faq</Code> or{' '}
                    <Code>POST /api/datasets/faq/versions</Code> (the file as the body), then check it against
                    a contract.
                  </p>
                </Empty>
              }
            />
          )}
        </Load>
      </Section>

      <Section
        title="Latest contract checks"
        description="Each latest version checked against its data contract."
      >
        <Load res={results} what="contract checks">
          {() => (
            <DataTable
              caption="Contract checks"
              columns={[
                { key: 'version', header: 'Dataset version', value: (c: CheckRow) => c.version },
                { key: 'contract', header: 'Contract', value: (c: CheckRow) => c.contract },
                {
                  key: 'passed',
                  header: 'Result',
                  value: (c: CheckRow) => (c.passed ? 'passed' : 'failed'),
                  render: (c: CheckRow) => (
                    <Status level={c.passed ? 'ok' : 'bad'}>{c.passed ? 'passed' : 'failed'}</Status>
                  ),
                },
                {
                  key: 'failed_rules',
                  header: 'Failed rules',
                  numeric: true,
                  value: (c: CheckRow) => c.failed_rules,
                  render: (c: CheckRow) => int(c.failed_rules),
                },
                {
                  key: 'when',
                  header: 'Checked',
                  value: (c: CheckRow) => c.created_at,
                  render: (c: CheckRow) => dateTime(c.created_at),
                },
                { key: 'by', header: 'By', value: (c: CheckRow) => c.created_by },
              ]}
              rows={checks}
              rowKey={(c) => c.id}
              filename="keel-contract-checks"
              empty={
                <Empty title="No contract checks yet">
                  <p>
                    Check a version with <Code>keel data check faq --contract faq.contract.yaml</Code> or{' '}
                    <Code>POST /api/datasets/faq/check</Code>.
                  </p>
                </Empty>
              }
            />
          )}
        </Load>
      </Section>

      <Section title="Drift" description="Latest versions compared with their reference, per column.">
        <Load res={results} what="drift results">
          {() => (
            <>
              <DataTable
                caption="Drift runs"
                columns={[
                  { key: 'version', header: 'Current version', value: (x: DriftRow) => x.version },
                  {
                    key: 'drift',
                    header: 'Dataset drift',
                    value: (x: DriftRow) => (x.dataset_drift ? 'drifted' : 'stable'),
                    render: (x: DriftRow) => (
                      <Status level={x.dataset_drift ? 'warn' : 'ok'}>
                        {x.dataset_drift ? 'drifted' : 'stable'}
                      </Status>
                    ),
                  },
                  {
                    key: 'columns',
                    header: 'Drifted columns',
                    numeric: true,
                    value: (x: DriftRow) => x.drifted_columns,
                    render: (x: DriftRow) => `${int(x.drifted_columns)} of ${int(x.report.dataset.columns)}`,
                  },
                  {
                    key: 'when',
                    header: 'Run',
                    value: (x: DriftRow) => x.created_at,
                    render: (x: DriftRow) => dateTime(x.created_at),
                  },
                ]}
                rows={drifts}
                rowKey={(x) => x.id}
                filename="keel-drift-runs"
                empty={
                  <Empty title="No drift runs yet">
                    <p>
                      Compare two versions with <Code>POST /api/datasets/drift</Code> (
                      <Code>{'{"reference": "faq@1", "current": "faq@2"}'}</Code>).
                    </p>
                  </Empty>
                }
              />
              {newest ? <DriftDetail run={newest} /> : null}
            </>
          )}
        </Load>
      </Section>

      <Section
        title="Live traffic monitors"
        description="Each use case's recent traffic compared with its reference window."
      >
        <Load
          res={health}
          what="traffic monitors"
          missing={
            <p>
              This Keel does not serve <Code>GET /api/data/health</Code>.
            </p>
          }
        >
          {(h) => <MonitorTables monitors={h.monitors} />}
        </Load>
      </Section>
    </Page>
  );
}

function columnCount(v: DatasetVersionInfo | null | undefined): number | null {
  if (!v) return null;
  return Array.isArray(v.columns) ? v.columns.length : v.columns;
}
