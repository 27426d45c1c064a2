export { maskArguments } from './mask.js';
export {
  type ApprovalFilter,
  type ApprovalOutcome,
  type Approvals,
  type ApprovalsDeps,
  createApprovals,
  type Decision,
} from './service.js';
export { APPROVAL_STATUSES, type Approval, type ApprovalStatus } from './store.js';
