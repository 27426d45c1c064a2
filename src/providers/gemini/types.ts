/**
 * The subset of the Gemini API (v1beta, generateContent / streamGenerateContent /
 * batchEmbedContents) that Keel speaks. Field names are the REST (camelCase JSON) ones.
 */

import type { JsonObject } from '../../canonical/types.js';

interface GeminiFunctionCall {
  id?: string;
  name: string;
  args?: JsonObject;
}

export interface GeminiPart {
  text?: string;
  /** Set on parts that carry the model's thinking, which Keel never shows as answer text. */
  thought?: boolean;
  /** Opaque; Gemini 3 requires it back on the function calls of the current turn. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: { id?: string; name: string; response: JsonObject };
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: JsonObject;
}

export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  responseMimeType?: string;
  responseSchema?: JsonObject;
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: GeminiGenerationConfig;
}
