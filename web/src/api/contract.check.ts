/**
 * The Command Room's response types are the server's own (src/http/admin/api/contract.ts infers
 * them from the handlers), checked where `npm run typecheck` reads web/: renaming a field below on
 * the server fails here, as it fails in every view that reads it, and a handler that went back to
 * answering Record<string, unknown> fails the `@ts-expect-error` lines.
 */
import type {
  Alert,
  KeyInfo,
  McpApproval,
  McpOverview,
  RedteamRun,
  RedteamRunDetail,
  UsageRow,
  UseCaseInfo,
} from '@keel/api';

type Has<T, K extends string> = K extends keyof T ? true : false;

export const wireFields: [
  Has<KeyInfo, 'use_cases'>,
  Has<KeyInfo, 'budget_usd'>,
  Has<Alert, 'object'>,
  Has<Alert, 'delivery'>,
  Has<UseCaseInfo, 'managed_by_config'>,
  Has<UsageRow, 'cost_usd'>,
  Has<RedteamRun, 'min_score'>,
  Has<RedteamRunDetail, 'worst'>,
  Has<McpApproval, 'expires_at'>,
  Has<McpOverview, 'by_use_case'>,
] = [true, true, true, true, true, true, true, true, true, true];

export const notWireFields: [
  Has<KeyInfo, 'useCases'>,
  Has<KeyInfo, 'budgetUsd'>,
  Has<Alert, 'openedAt'>,
  Has<McpApproval, 'expiresAt'>,
] = [
  // @ts-expect-error the wire is snake_case: the store's camelCase names are not response fields
  true,
  // @ts-expect-error as above
  true,
  // @ts-expect-error as above
  true,
  // @ts-expect-error as above
  true,
];
