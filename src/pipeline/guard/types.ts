import type { GuardAction } from '../../config/guards.js';
import type { Span } from '../../guards/types.js';

/** One guard decision that was not `off`: what the security-event log and metrics record. */
export interface GuardEvent {
  detector: 'injection' | 'indirect_injection' | 'pii' | 'secrets' | 'leak' | 'tools' | 'active_content';
  direction: 'input' | 'output';
  action: GuardAction | 'strip';
  score: number;
  labels: string[];
  /** Positions only — never the text they cover. */
  spans: Array<Pick<Span, 'start' | 'end' | 'label'>>;
  /** Which message (input) or choice (output) the spans are in. */
  index: number;
}
