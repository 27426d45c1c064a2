import { dataOf, useResource } from '../api/hooks';
import { Code, Empty, Load } from '../components/bits';
import { GenericTable } from '../components/GenericTable';
import { Section } from '../components/Page';
import { qs } from '../lib/period';

type Row = Record<string, unknown>;

interface LineageGraph {
  nodes: Array<{ id: string; label?: string; kind?: string }>;
  edges: Array<{ from: string; to: string }>;
}

/** The use case's guard policy, data health and lineage: what it is protected by and what it is built on. */
export function UseCaseData({ id, guardPolicy }: { id: string; guardPolicy: string | null }) {
  const [config] = useResource<Record<string, unknown>>('/config');
  const [data] = useResource<{ data: Row[] }>(`/drift${qs({ use_case: id })}`);
  const [lineage] = useResource<LineageGraph>(`/lineage${qs({ use_case: id })}`);
  const guards = dataOf(config)?.guards as Record<string, unknown> | undefined;
  const policies = (guards?.policies ?? null) as Record<string, unknown> | null;
  const policy = guardPolicy && policies ? policies[guardPolicy] : undefined;

  return (
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
      <Section title="Data health">
        <Load
          res={data}
          what="drift results"
          missing={
            <p>
              This Keel does not serve <Code>GET /api/drift</Code> yet.
            </p>
          }
        >
          {(d) => (
            <GenericTable
              caption={`Drift for ${id}`}
              rows={d.data.map(({ histogram: _h, ...rest }) => rest)}
              filename={`keel-${id}-drift`}
              empty={<Empty title="No drift checks for this use case" />}
            />
          )}
        </Load>
      </Section>
      <Section title="Lineage">
        <Load
          res={lineage}
          what="lineage"
          missing={
            <p>
              This Keel does not serve <Code>GET /api/lineage</Code> yet.
            </p>
          }
        >
          {(g) =>
            g.nodes.length === 0 ? (
              <Empty title="No lineage recorded for this use case" />
            ) : (
              <ul className="plain">
                {g.edges.map((e) => (
                  <li key={`${e.from}->${e.to}`} className="lineage">
                    <span className="lineage-node">
                      {g.nodes.find((n) => n.id === e.from)?.label ?? e.from}
                    </span>
                    <span className="lineage-edge">
                      <span aria-hidden="true">→</span>
                      <span className="sr-only">feeds</span>
                    </span>
                    <span className="lineage-node">{g.nodes.find((n) => n.id === e.to)?.label ?? e.to}</span>
                  </li>
                ))}
              </ul>
            )
          }
        </Load>
      </Section>
    </div>
  );
}
