import { KeelError } from '../../errors.js';

/**
 * `GET /v1/responses/{id}/input_items`: a response's input items as OpenAI pages them (newest first
 * unless `order=asc`, `limit` 1–100, default 20, `after` an item id).
 */
export function listInputItems(
  items: readonly unknown[],
  query: Record<string, string | undefined>,
): { object: 'list'; data: unknown[]; first_id: string | null; last_id: string | null; has_more: boolean } {
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw new KeelError(
      'invalid_request',
      `Invalid value for 'order': '${order.slice(0, 20)}'. Supported values are: 'asc', 'desc'.`,
      {
        param: 'order',
      },
    );
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new KeelError('invalid_request', "Invalid 'limit': expected an integer from 1 to 100.", {
      param: 'limit',
    });
  const ordered = order === 'asc' ? [...items] : [...items].reverse();
  const idOf = (item: unknown) => (item as { id?: string }).id ?? null;
  let from = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((i) => idOf(i) === query.after);
    if (at < 0)
      throw new KeelError('not_found', `Item with id '${query.after.slice(0, 100)}' not found.`, {
        param: 'after',
      });
    from = at + 1;
  }
  const data = ordered.slice(from, from + limit);
  return {
    object: 'list',
    data,
    first_id: data.length > 0 ? idOf(data[0]) : null,
    last_id: data.length > 0 ? idOf(data[data.length - 1]) : null,
    has_more: from + limit < ordered.length,
  };
}
