import { useResource } from '../api/hooks';
import { Code, Empty, Load } from '../components/bits';
import { GenericTable } from '../components/GenericTable';
import { Section } from '../components/Page';
import { qs } from '../lib/period';

type Row = Record<string, unknown>;

/** Guard decisions (detector, action, use case, key) from GET /api/security-events. */
export function GuardEvents({ from, to }: { from: string; to: string }) {
  const [events] = useResource<{ data: Row[] }>(`/security-events${qs({ from, to, limit: 200 })}`);
  return (
    <Section
      title="Guard events"
      description="Prompt injection, PII, secrets and leak detections: what was found and what the guard did."
    >
      <Load
        res={events}
        what="guard events"
        missing={
          <p>
            This Keel does not serve <Code>GET /api/security-events</Code> yet. Blocked calls above and
            refusals below still come from the usage rollups and the audit log.
          </p>
        }
      >
        {(e) => (
          <GenericTable
            caption="Guard events"
            rows={e.data}
            filename="keel-guard-events"
            prefer={['time', 'ts', 'detector', 'action', 'use_case', 'key_id', 'labels']}
            empty={
              <Empty title="No guard events in this period">
                <p>
                  Guards record a decision whenever they block or redact; enable them per use case with a
                  guard policy in <Code>keel.yaml</Code>.
                </p>
              </Empty>
            }
          />
        )}
      </Load>
    </Section>
  );
}

/** Results of red-team runs (attack suites played against a use case's guard policy). */
export function RedTeam() {
  const [runs] = useResource<{ data: Row[] }>('/redteam/runs');
  return (
    <Section title="Red-team runs">
      <Load
        res={runs}
        what="red-team results"
        missing={
          <p>
            Red-team results appear here once this Keel serves <Code>GET /api/redteam/runs</Code>.
          </p>
        }
      >
        {(r) => (
          <GenericTable
            caption="Red-team runs"
            rows={r.data}
            filename="keel-redteam-runs"
            empty={<Empty title="No red-team runs yet" />}
          />
        )}
      </Load>
    </Section>
  );
}
