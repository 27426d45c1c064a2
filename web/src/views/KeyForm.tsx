import type { CreatedKey } from '@keel/api';
import { type FormEvent, useId, useState } from 'react';
import { toApiError } from '../api/hooks';
import { useSession } from '../app/session';

const ENDPOINTS = ['chat', 'messages', 'embeddings', 'models', 'outcomes', 'feedback'] as const;

function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function optionalNumber(v: string): number | undefined {
  const t = v.trim();
  return t === '' ? undefined : Number(t);
}

/**
 * POST /api/keys. Only what the user filled in is sent, so Keel's defaults apply to the rest, and
 * Keel validates every value (its error names the field).
 */
export function CreateKeyForm({
  onCreated,
  onCancel,
}: {
  onCreated: (k: CreatedKey) => void;
  onCancel: () => void;
}) {
  const { api } = useSession();
  const id = useId();
  const [f, setF] = useState({
    name: '',
    models: '*',
    endpoints: [] as string[],
    use_cases: '',
    tools: '',
    mcp_servers: '',
    mcp_tools: '',
    team: '',
    rpm: '',
    tpm: '',
    max_tokens: '',
    budget_usd: '',
    budget_period: 'month',
    expires_at: '',
  });
  const [error, setError] = useState<{ message: string; param: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!f.name.trim()) {
      setError({ message: 'Give the key a name.', param: 'name' });
      return;
    }
    const body: Record<string, unknown> = { name: f.name.trim(), models: list(f.models) };
    if (f.endpoints.length > 0) body.endpoints = f.endpoints;
    if (f.use_cases.trim()) body.use_cases = list(f.use_cases);
    if (f.tools.trim()) body.tools = list(f.tools);
    if (f.mcp_servers.trim()) body.mcp_servers = list(f.mcp_servers);
    if (f.mcp_tools.trim()) body.mcp_tools = list(f.mcp_tools);
    if (f.team.trim()) body.team = f.team.trim();
    for (const k of ['rpm', 'tpm', 'max_tokens', 'budget_usd'] as const) {
      const n = optionalNumber(f[k]);
      if (n !== undefined) body[k] = n;
    }
    if (body.budget_usd !== undefined) body.budget_period = f.budget_period;
    if (f.expires_at) body.expires_at = `${f.expires_at}T00:00:00Z`;
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.post<CreatedKey>('/keys', body));
    } catch (err) {
      const e2 = toApiError(err);
      setError({ message: e2.message, param: e2.param });
    } finally {
      setBusy(false);
    }
  };

  const field = (
    name: keyof typeof f,
    label: string,
    hint?: string,
    type = 'text',
    extra: Record<string, string | number> = {},
  ) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>
        {label}
        {hint ? <span className="field-hint"> — {hint}</span> : null}
      </label>
      <input
        id={`${id}-${name}`}
        name={name}
        type={type}
        value={f[name] as string}
        onChange={set(name)}
        aria-invalid={error?.param === name ? true : undefined}
        {...extra}
      />
    </div>
  );

  return (
    <form onSubmit={submit} noValidate>
      {field('name', 'Name', 'required, e.g. support-bot-prod')}
      {field('models', 'Models', 'comma-separated names or globs; * = all, empty = none')}
      <fieldset>
        <legend>Endpoints (none ticked: all inference endpoints)</legend>
        <div className="chips">
          {ENDPOINTS.map((ep) => (
            <label key={ep} className="check">
              <input
                type="checkbox"
                checked={f.endpoints.includes(ep)}
                onChange={(e) =>
                  setF({
                    ...f,
                    endpoints: e.target.checked ? [...f.endpoints, ep] : f.endpoints.filter((x) => x !== ep),
                  })
                }
              />
              {ep}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="form-grid">
        {field('use_cases', 'Use cases', 'comma-separated; first = default')}
        {field('tools', 'Tools', 'names the model may call')}
        {field('mcp_servers', 'MCP servers', 'server ids for /mcp; * = all')}
        {field('mcp_tools', 'MCP tools', 'server__tool names or globs')}
        {field('team', 'Team')}
        {field('rpm', 'Requests per minute', undefined, 'number', { min: 1, step: 1 })}
        {field('tpm', 'Tokens per minute', undefined, 'number', { min: 1, step: 1 })}
        {field('max_tokens', 'Max tokens per call', undefined, 'number', { min: 1, step: 1 })}
        {field('budget_usd', 'Budget (USD)', undefined, 'number', { min: 0, step: 0.01 })}
        <div className="field">
          <label htmlFor={`${id}-period`}>Budget period</label>
          <select id={`${id}-period`} value={f.budget_period} onChange={set('budget_period')}>
            <option value="day">per day</option>
            <option value="month">per month</option>
            <option value="total">in total</option>
          </select>
        </div>
        {field('expires_at', 'Expires on', 'optional', 'date')}
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      ) : null}
      <div className="btn-row">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
