/**
 * The subset of Anthropic's Messages API wire format Keel speaks (anthropic-version 2023-06-01).
 * Shared by the outbound adapter and the inbound /v1/messages edge so both sides agree on one shape.
 */
import type { JsonObject, JsonValue } from '../../canonical/types.js';

type AnthropicImageSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string };

type Cached = { cache_control?: JsonObject };
export type AnthropicTextBlock = { type: 'text'; text: string } & Cached;
export type AnthropicImageBlock = { type: 'image'; source: AnthropicImageSource } & Cached;
export type AnthropicDocumentBlock = {
  type: 'document';
  source:
    | { type: 'base64'; media_type: string; data: string }
    | { type: 'url'; url: string }
    | { type: 'text'; media_type: 'text/plain'; data: string };
  title?: string;
  context?: string;
  citations?: JsonObject;
} & Cached;
type AnthropicToolUseBlock = { type: 'tool_use'; id: string; name: string; input: JsonValue } & Cached;
export type AnthropicToolResultBlock = {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | (AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock)[];
  is_error?: boolean;
} & Cached;
export type AnthropicThinkingBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

export type AnthropicRequestBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock;

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicRequestBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: JsonObject;
  strict?: boolean;
  cache_control?: JsonObject;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string | AnthropicTextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: JsonObject;
  stream?: boolean;
  top_k?: number;
  thinking?: JsonObject;
  output_config?: JsonObject;
}

/** Usage as Anthropic reports it: `input_tokens` EXCLUDES cache reads and cache writes. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number } | null;
}
