import type { ChatStreamEvent } from '../../canonical/types.js';
import { createStreamUnmasker, type StreamUnmasker } from '../../guards/index.js';

/**
 * Streamed tool-call arguments get every masked value back, as complete answers' do: the application
 * runs the tools and needs the real values. A placeholder split across deltas is held (at most 64
 * characters) until it completes; what is held is sent as a last delta of that call before any other
 * event of its choice, so a call's arguments are whole before the next call or the finish.
 */
export function createArgumentsUnmasker(
  restore: ReadonlyMap<string, string>,
): (ev: ChatStreamEvent) => ChatStreamEvent[] {
  /** The call of each choice whose arguments are arriving. */
  const open = new Map<number, { toolIndex: number; unmasker: StreamUnmasker }>();
  const flush = (index: number): ChatStreamEvent[] => {
    const call = open.get(index);
    if (!call) return [];
    open.delete(index);
    const rest = call.unmasker.end();
    return rest ? [{ type: 'tool_call_delta', index, toolIndex: call.toolIndex, argumentsDelta: rest }] : [];
  };
  return (ev) => {
    if (ev.type === 'start' || ev.type === 'usage') return [ev];
    if (ev.type !== 'tool_call_delta' || open.get(ev.index)?.toolIndex !== ev.toolIndex) {
      const held = flush(ev.index);
      if (ev.type !== 'tool_call_delta') return [...held, ev];
      open.set(ev.index, { toolIndex: ev.toolIndex, unmasker: createStreamUnmasker(restore) });
      return [...held, ...restored(ev)];
    }
    return restored(ev);
  };

  function restored(ev: ChatStreamEvent & { type: 'tool_call_delta' }): ChatStreamEvent[] {
    const text = open.get(ev.index)?.unmasker.push(ev.argumentsDelta) ?? ev.argumentsDelta;
    return text ? [{ ...ev, argumentsDelta: text }] : [];
  }
}
