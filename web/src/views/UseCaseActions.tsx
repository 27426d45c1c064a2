import type { UseCaseInfo, UseCaseStage } from '@keel/api';
import { type FormEvent, useId, useState } from 'react';
import { toApiError } from '../api/hooks';
import { useSession } from '../app/session';
import { Notice } from '../components/bits';
import { Section } from '../components/Page';

/** Every stage, in lifecycle order; `satisfies` and the check below keep it equal to the server's. */
const STAGES = ['pilot', 'production', 'paused', 'retired'] as const satisfies readonly UseCaseStage[];
const allStages: Exclude<UseCaseStage, (typeof STAGES)[number]> extends never ? true : never = true;
void allStages;

/** PATCH /api/use-cases/:id: stage (with a reason, kept in the stage history), budget, value per outcome. */
export function UseCaseActions({ uc, onSaved }: { uc: UseCaseInfo; onSaved: () => void }) {
  const { api } = useSession();
  const id = useId();
  const [stage, setStage] = useState(uc.stage);
  const [reason, setReason] = useState('');
  const [budget, setBudget] = useState(uc.monthly_budget_usd === null ? '' : String(uc.monthly_budget_usd));
  const [vpo, setVpo] = useState(uc.value_per_outcome_usd === null ? '' : String(uc.value_per_outcome_usd));
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const locked = new Set(uc.managed_by_config);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    if (stage !== uc.stage) body.stage = stage;
    const b = budget.trim() === '' ? null : Number(budget);
    if (b !== uc.monthly_budget_usd) body.monthly_budget_usd = b;
    const v = vpo.trim() === '' ? null : Number(vpo);
    if (v !== uc.value_per_outcome_usd) body.value_per_outcome_usd = v;
    if (Object.keys(body).length === 0) {
      setMsg({ ok: false, text: 'Nothing changed.' });
      return;
    }
    if (body.stage && reason.trim()) body.reason = reason.trim();
    setBusy(true);
    try {
      await api.patch<UseCaseInfo>(`/use-cases/${encodeURIComponent(uc.id)}`, body);
      setMsg({ ok: true, text: 'Saved. The change is in the audit log.' });
      setReason('');
      onSaved();
    } catch (err) {
      setMsg({ ok: false, text: toApiError(err).message });
    } finally {
      setBusy(false);
    }
  };

  const lockNote = (field: string) =>
    locked.has(field) ? <span className="field-hint"> — declared in keel.yaml</span> : null;

  return (
    <Section
      title="Change this use case"
      description="Operators may change the stage, the monthly budget and the value per outcome."
    >
      {msg ? (
        <Notice level={msg.ok ? 'ok' : 'bad'}>
          <p>{msg.text}</p>
        </Notice>
      ) : null}
      <form onSubmit={submit} className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-stage`}>Stage{lockNote('stage')}</label>
          <select
            id={`${id}-stage`}
            value={stage}
            disabled={locked.has('stage')}
            onChange={(e) => setStage(e.target.value as UseCaseInfo['stage'])}
          >
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-reason`}>Reason for the stage change</label>
          <input
            id={`${id}-reason`}
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-budget`}>Monthly budget (USD){lockNote('monthly_budget_usd')}</label>
          <input
            id={`${id}-budget`}
            type="number"
            min={0}
            step={0.01}
            value={budget}
            disabled={locked.has('monthly_budget_usd')}
            onChange={(e) => setBudget(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-vpo`}>
            Value per successful outcome (USD){lockNote('value_per_outcome_usd')}
          </label>
          <input
            id={`${id}-vpo`}
            type="number"
            min={0}
            step={0.01}
            value={vpo}
            disabled={locked.has('value_per_outcome_usd')}
            onChange={(e) => setVpo(e.target.value)}
          />
        </div>
        <div className="field" style={{ justifyContent: 'flex-end' }}>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </Section>
  );
}
