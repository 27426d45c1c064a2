/**
 * Server-sent events parser following the WHATWG "event stream interpretation" rules, shared by
 * every streaming adapter. Upstream bodies arrive in arbitrary network chunks, so a line, a CRLF
 * pair or a multi-byte UTF-8 character may be split across two chunks.
 */

export interface SSEMessage {
  /** The `event:` field, when the server set one (the spec's default type "message" is left out). */
  event?: string;
  data: string;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

export async function* parseSSE(body: AsyncIterable<Uint8Array>): AsyncGenerator<SSEMessage> {
  // The streaming decoder holds back an incomplete UTF-8 sequence until its remaining bytes arrive,
  // and strips a leading BOM as the spec requires.
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  // A chunk that ends in CR may be the first half of CRLF: the LF that follows is not a new line.
  let skipLeadingLF = false;
  let data = '';
  let hasData = false;
  let event: string | undefined;

  for await (const chunk of body) {
    let text = decoder.decode(chunk, { stream: true });
    if (text.length === 0) continue;
    if (skipLeadingLF) {
      skipLeadingLF = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    buf = buf.length === 0 ? text : buf + text;

    let start = 0;
    const len = buf.length;
    for (let i = 0; i < len; i++) {
      const c = buf.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      const line = buf.slice(start, i);
      if (c === CR) {
        if (i + 1 < len) {
          if (buf.charCodeAt(i + 1) === LF) i++;
        } else {
          skipLeadingLF = true;
        }
      }
      start = i + 1;

      if (line.length === 0) {
        // A blank line dispatches the event; an event with no data lines is dropped (spec).
        if (hasData) {
          yield event === undefined ? { data } : { event, data };
        }
        data = '';
        hasData = false;
        event = undefined;
        continue;
      }
      if (line.charCodeAt(0) === COLON) continue; // comment / keep-alive
      const colon = line.indexOf(':');
      let field: string;
      let value: string;
      if (colon === -1) {
        field = line;
        value = '';
      } else {
        field = line.slice(0, colon);
        value = line.charCodeAt(colon + 1) === SPACE ? line.slice(colon + 2) : line.slice(colon + 1);
      }
      if (field === 'data') {
        data = hasData ? `${data}\n${value}` : value;
        hasData = true;
      } else if (field === 'event') {
        event = value;
      }
      // `id` and `retry` only matter to reconnecting EventSource clients; other fields are ignored.
    }
    buf = start >= len ? '' : buf.slice(start);
  }
  // Bytes after the last blank line form an incomplete event, which the spec says to discard: a
  // stream cut mid-event must not look like a complete one.
}
