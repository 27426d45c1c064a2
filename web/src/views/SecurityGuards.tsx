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
      <Load res={events} what="guard events">
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
