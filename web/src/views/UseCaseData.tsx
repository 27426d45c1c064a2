import type { DataHealthInfo, LineageGraphInfo } from '@keel/api';
import { dataOf, useResource } from '../api/hooks';
import { Code, Empty, Load } from '../components/bits';
import { LineageGraph } from '../components/LineageGraph';
import { Section } from '../components/Page';
import { qs } from '../lib/period';
import { MonitorTables } from './DataParts';

/** The use case's guard policy, live data health and lineage: what protects it and what it is built on. */
export function UseCaseData({ id, guardPolicy }: { id: string; guardPolicy: string | null }) {
  const [config] = useResource<Record<string, unknown>>('/config');
  const [health] = useResource<DataHealthInfo>(`/data/health${qs({ use_case: id })}`);
  const [lineage] = useResource<LineageGraphInfo>(`/lineage${qs({ node: `use_case:${id}`, depth: 6 })}`);
  const guards = dataOf(config)?.guards as Record<string, unknown> | undefined;
  const policies = (guards?.policies ?? null) as Record<string, unknown> | null;
  const policy = guardPolicy && policies ? policies[guardPolicy] : undefined;

  return (
    <>
      <div className="grid-2">
        <Section title="Guard policy">
          {guardPolicy ? (
            <>
              <p>
                Policy <strong>{guardPolicy}</strong>
              </p>
              {policy !== undefined ? (
                <pre className="code" style={{ whiteSpace: 'pre-wrap' }}>
                  {JSON.stringify(policy, null, 2)}
                </pre>
              ) : (
                <p className="muted small">
                  The running config (GET /api/config) does not describe this policy.
                </p>
              )}
            </>
          ) : (
            <Empty title="No guard policy set">
              <p>
                Set <Code>guard_policy</Code> on the use case so injection, PII and secret guards apply to its
                calls.
              </p>
            </Empty>
          )}
        </Section>
        <Section title="Data health" description="This use case's live traffic against its reference window.">
          <Load
            res={health}
            what="traffic monitors"
            missing={
              <p>
                This Keel does not serve <Code>GET /api/data/health</Code>.
              </p>
            }
          >
            {(h) => <MonitorTables monitors={h.monitors} caption={`Monitors of ${id}`} />}
          </Load>
        </Section>
      </div>
      <div style={{ height: '1rem' }} />
      <Section
        title="Lineage"
        description="Datasets, prompts and models this use case is built on, and what it produces."
      >
        <Load
          res={lineage}
          what="lineage"
          missing={
            <p>
              This Keel does not serve <Code>GET /api/lineage</Code>.
            </p>
          }
        >
          {(g) => <LineageGraph graph={g} caption={`Lineage of ${id}`} />}
        </Load>
      </Section>
    </>
  );
}
