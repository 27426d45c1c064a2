import type { KeelServices } from '../../app.types.js';
import type { UseCasePatch } from '../../value/usecases/model.js';

export interface DemoUseCase {
  id: string;
  patch: UseCasePatch;
}

/** The five use cases the demo tells a story with. */
export const DEMO_USE_CASES: DemoUseCase[] = [
  {
    id: 'support-assistant',
    patch: {
      name: 'Support assistant',
      description: 'Answers customer tickets from the help centre; escalates when unsure.',
      owner: 'maria.lopez',
      team: 'customer-care',
      stage: 'production',
      business_metric: 'ticket resolved without escalation',
      value_per_outcome_usd: 0.4,
      human_baseline_cost_usd: 6.5,
      monthly_budget_usd: 120,
      target_roi: 3,
      tags: ['customer-facing', 'demo'],
    },
  },
  {
    id: 'contract-review',
    patch: {
      name: 'Contract review',
      description: 'Flags risky clauses in supplier contracts before counsel reads them.',
      owner: 'li.wei',
      team: 'legal',
      stage: 'pilot',
      business_metric: 'clause review accepted by counsel',
      value_per_outcome_usd: 1.5,
      human_baseline_cost_usd: 40,
      monthly_budget_usd: 60,
      target_roi: 1,
      tags: ['internal', 'demo'],
    },
  },
  {
    id: 'lead-qualification',
    patch: {
      name: 'Lead qualification',
      description: 'Scores inbound leads for the sales team. No outcomes wired up yet.',
      owner: 'sam.okafor',
      team: 'sales-ops',
      stage: 'pilot',
      business_metric: 'lead qualified and accepted by sales',
      value_per_outcome_usd: 2,
      human_baseline_cost_usd: 3,
      monthly_budget_usd: 40,
      target_roi: 0.5,
      tags: ['demo'],
    },
  },
  {
    id: 'knowledge-search',
    patch: {
      name: 'Knowledge search',
      description: 'Semantic search and answers over the internal wiki.',
      owner: 'dev.patel',
      team: 'platform',
      stage: 'production',
      business_metric: 'answer found without opening a ticket',
      value_per_outcome_usd: 0.25,
      human_baseline_cost_usd: 2,
      monthly_budget_usd: 50,
      target_roi: 2,
      tags: ['internal', 'demo'],
    },
  },
  {
    id: 'customer-chat',
    patch: {
      name: 'Customer chat',
      description: 'Public website chat bot; currently probed with prompt-injection attempts.',
      owner: 'nora.berg',
      team: 'digital',
      stage: 'production',
      business_metric: 'conversation ended with a booked demo',
      value_per_outcome_usd: 1.2,
      human_baseline_cost_usd: 4,
      monthly_budget_usd: 80,
      target_roi: 2,
      tags: ['customer-facing', 'demo'],
    },
  },
];

/** Create or update the demo use cases (idempotent). */
export async function registerUseCases(services: KeelServices): Promise<void> {
  const reg = services.value.useCases;
  for (const uc of DEMO_USE_CASES) {
    const existing = await reg.get(uc.id);
    if (!existing) {
      await reg.create(uc.id, uc.patch, 'demo');
      continue;
    }
    // Fields keel.yaml declares stay as configured.
    const patch = Object.fromEntries(
      Object.entries(uc.patch).filter(([k]) => !existing.configFields.includes(k)),
    ) as UseCasePatch;
    if (Object.keys(patch).length > 0) await reg.update(uc.id, patch, 'demo');
  }
  await reg.refresh();
}
