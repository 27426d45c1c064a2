import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Leased budget allowances (src/store/counters/leases.ts): a replica holds one row per budget in
 * limit_reservations, id `lease:<instance>`, whose amount covers its calls in flight, the spend it
 * settled and has not flushed yet, and an unused slice it admits further calls from without asking
 * the database. The row is a reservation like any other, so keel_budget_reserve (replicas that do
 * not lease), the sweep and the expiry all treat it the same way, and a killed replica's lease stops
 * counting `limits.budget_lease_ttl_s` after its last renewal. No table changes.
 */
export function budgetLeasesMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql.raw(BUDGET_LEASE).execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`drop function if exists keel_budget_lease`.execute(db);
    },
  };
}

/*
 * One step per budget, each under its row lock (taken in key order, as keel_budget_reserve does):
 * the caller's settled spend moves to spent_usd, and its lease is replaced by its calls in flight
 * plus what it may keep:
 *   room  = limit - spent - every other live reservation or lease - the caller's calls in flight
 *   slice = fraction * room
 *   slice when slice > 0 and slice covers both the call asking (need) and the caller's recent
 *     largest call (unit): status 'slice';
 *   else exactly the need when it fits (status 'exact'; a flush asks for 0);
 *   else nothing (status 'refused').
 * So spent + every lease and reservation never exceeds the limit by a lease, and near the limit
 * (slice smaller than a call) every replica reserves call by call, as without leases.
 */
const BUDGET_LEASE = `
create function keel_budget_lease(p_id text, p_keys text[], p_limits double precision[],
  p_pending double precision[], p_inflight double precision[], p_need double precision[],
  p_unit double precision[], p_fraction double precision, p_now bigint, p_expires bigint)
returns table (o_key text, o_status text, o_spent double precision, o_others double precision,
  o_keep double precision)
language plpgsql as $fn$
declare
  n int := coalesce(array_length(p_keys, 1), 0);
  k text;
  s double precision;
  r double precision;
  room double precision;
  slice double precision;
  keep double precision;
  st text;
begin
  perform set_config('synchronous_commit', 'off', true);
  perform 1 from limit_budgets b where b.key = any(p_keys) order by b.key for update;
  return query select u.uk, 'missing'::text, 0::double precision, 0::double precision, 0::double precision
    from unnest(p_keys) as u(uk)
    where not exists (select 1 from limit_budgets b where b.key = u.uk);
  if found then
    return;
  end if;
  for i in 1..n loop
    k := p_keys[i];
    delete from limit_reservations lr where lr.key = k and (lr.expires_at <= p_now or lr.id = p_id);
    update limit_budgets b set spent_usd = b.spent_usd + p_pending[i] where b.key = k
      returning b.spent_usd into s;
    select coalesce(sum(lr.amount_usd), 0) into r from limit_reservations lr where lr.key = k;
    room := p_limits[i] - s - r - p_inflight[i];
    slice := p_fraction * room;
    if slice > 0 and slice >= p_need[i] and slice >= p_unit[i] then
      keep := slice;
      st := 'slice';
    elsif p_need[i] <= 0 or p_need[i] <= room + 1e-12 then
      keep := greatest(p_need[i], 0);
      st := 'exact';
    else
      keep := 0;
      st := 'refused';
    end if;
    if p_inflight[i] + keep > 0 then
      insert into limit_reservations (id, key, amount_usd, expires_at)
        values (p_id, k, p_inflight[i] + keep, p_expires);
    end if;
    return query select k, st, s, r, keep;
  end loop;
end
$fn$`;
