import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryAudit } from '../../../access/memory-audit.js';
import { parseConfig } from '../../../config/load.js';
import { openDatabase } from '../../../store/db.js';
import { adminTestApp, fixedAdmin } from '../testkit.js';
import { created, defineGroup, type ResponseOf, route } from './declare.js';

const echo = defineGroup({
  title: 'test',
  routes: {
    make: route('POST', '/things/:id', 'operator', 'test', {
      query: z.object({ dry: z.enum(['yes', 'no'], { message: 'dry must be yes or no.' }).optional() }),
      body: z.object({ size: z.number({ message: 'size must be a number.' }).int().positive() }).strict(),
    }),
  },
  needs: () => true,
  handlers: () => ({
    make: (_c, { params, query, body, admin }) =>
      created({ id: params.id, size: body.size, dry: query.dry === 'yes', by: admin.actor }),
  }),
});

// The answer's type is the handler's: a renamed field is a type error for every reader.
const sample: ResponseOf<typeof echo, 'make'> = { id: 'a', size: 1, dry: false, by: 'x' };

async function app(role: 'viewer' | 'operator') {
  const database = await openDatabase('sqlite::memory:');
  const services = { config: parseConfig({}, {}), audit: memoryAudit(), database };
  return adminTestApp(services, { groups: [echo], authenticate: fixedAdmin(role) });
}

const post = (body: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
});

describe('createAdminApi input and output', () => {
  it('parses params, query and body and answers with the handler status', async () => {
    const a = await app('operator');
    const res = await a.request('/api/things/t1?dry=yes', post('{"size":3}'));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ ...sample, id: 't1', size: 3, dry: true, by: 'admin:tester' });
  });

  it('turns a schema failure into invalid_request naming the field', async () => {
    const a = await app('operator');
    const cases: Array<[string, string, string, string]> = [
      ['/api/things/t1?dry=maybe', '{"size":3}', 'dry', 'dry must be yes or no.'],
      ['/api/things/t1', '{"size":"big"}', 'size', 'size must be a number.'],
    ];
    for (const [path, body, param, message] of cases) {
      const res = await a.request(path, post(body));
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: Record<string, unknown> };
      expect(error).toMatchObject({ code: 'invalid_request', param, message });
    }
    const list = await a.request('/api/things/t1', post('[{"size":3}]'));
    expect(((await list.json()) as { error: unknown }).error).toMatchObject({
      code: 'invalid_request',
      message: 'The request body must be a JSON object.',
    });
    // A field the route does not know is named first, before the values' complaints.
    const unknown = await a.request('/api/things/t1', post('{"size":"big","colour":"red"}'));
    expect(((await unknown.json()) as { error: unknown }).error).toMatchObject({
      code: 'invalid_request',
      param: 'colour',
      message: 'Unknown field "colour".',
    });
  });

  it('checks the role before reading any input', async () => {
    const a = await app('viewer');
    const res = await a.request('/api/things/t1?dry=maybe', post('not json'));
    expect(res.status).toBe(403);
  });
});
