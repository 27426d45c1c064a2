import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Rate-limit windows and budget reservations shared by every replica on one PostgreSQL
 * (src/store/counters/postgres.ts). Each operation is one plpgsql function call, so it is atomic
 * and takes one round trip. SQLite creates nothing: a SQLite store has one node, whose counters
 * stay in process.
 *
 * Each function commits without waiting for its WAL flush (synchronous_commit off for that
 * transaction only). Every call under one budget locks the same row, and holding it through a WAL
 * flush capped a whole cluster at ~500 calls/s on one budget (bench/RESULTS.md). What a PostgreSQL
 * crash can lose is the last moment of counter changes, never a usage event (those commit
 * normally): windows forget a few hits, and budgets' spend is raised back to the ledger by the
 * leader's reconciliation (src/pipeline/reconcile.ts).
 */
export function countersMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`create table limit_windows (
        key text primary key,
        window_start bigint not null,
        cur_units double precision not null,
        prev_units double precision not null
      )`.execute(db);
      await sql`create table limit_budgets (
        key text primary key,
        spent_usd double precision not null,
        created_at bigint not null
      )`.execute(db);
      await sql`create table limit_reservations (
        id text not null,
        key text not null,
        amount_usd double precision not null,
        expires_at bigint not null,
        primary key (id, key)
      )`.execute(db);
      await sql`create index limit_reservations_key on limit_reservations (key, expires_at)`.execute(db);
      for (const fn of FUNCTIONS) await sql.raw(fn).execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`drop function if exists keel_window_hit`.execute(db);
      await sql`drop function if exists keel_budget_reserve`.execute(db);
      await sql`drop function if exists keel_budget_settle`.execute(db);
      await sql`drop table limit_reservations`.execute(db);
      await sql`drop table limit_budgets`.execute(db);
      await sql`drop table limit_windows`.execute(db);
    },
  };
}

/*
 * Times are the caller's epoch ms (p_now), as in the in-process counters. A replica whose clock runs
 * behind the one that last rolled a window keeps using the stored window instead of rolling back.
 */
const WINDOW_HIT = `
create function keel_window_hit(p_key text, p_amount double precision, p_limit double precision,
  p_window bigint, p_now bigint, p_check boolean)
returns table (o_ok boolean, o_used double precision, o_previous double precision, o_start bigint)
language plpgsql as $fn$
declare
  w_start bigint := p_now - (p_now % p_window);
  s bigint;
  cur double precision;
  prev double precision;
  weighted double precision;
begin
  perform set_config('synchronous_commit', 'off', true);
  insert into limit_windows as w (key, window_start, cur_units, prev_units)
    values (p_key, w_start, 0, 0) on conflict do nothing;
  select w.window_start, w.cur_units, w.prev_units into s, cur, prev
    from limit_windows w where w.key = p_key for update;
  if s >= w_start then
    w_start := s;
  elsif w_start - s = p_window then
    prev := cur;
    cur := 0;
  else
    prev := 0;
    cur := 0;
  end if;
  weighted := prev * (1 - least(1, greatest(0, (p_now - w_start)::double precision / p_window))) + cur;
  o_ok := not (p_check and weighted + p_amount > p_limit);
  if o_ok then
    cur := greatest(0, cur + p_amount);
  end if;
  update limit_windows w set window_start = w_start, cur_units = cur, prev_units = prev where w.key = p_key;
  o_used := weighted;
  o_previous := prev;
  o_start := w_start;
  return next;
end
$fn$`;

/*
 * All or nothing over every budget of a call. Rows are locked in key order, so two calls over
 * overlapping budgets cannot deadlock. Expired reservations (their owner died or hung) are deleted
 * here, under the lock, and never counted. A budget row not yet initialised is reported as
 * 'missing': the caller loads its spend, inserts it (first writer wins) and calls again.
 */
const BUDGET_RESERVE = `
create function keel_budget_reserve(p_id text, p_keys text[], p_limits double precision[],
  p_amounts double precision[], p_now bigint, p_expires bigint)
returns table (o_key text, o_status text, o_spent double precision, o_reserved double precision)
language plpgsql as $fn$
declare
  n int := coalesce(array_length(p_keys, 1), 0);
  spent double precision[] := '{}';
  held double precision[] := '{}';
  s double precision;
  r double precision;
  k text;
begin
  perform set_config('synchronous_commit', 'off', true);
  perform 1 from limit_budgets b where b.key = any(p_keys) order by b.key for update;
  return query select u.uk, 'missing'::text, 0::double precision, 0::double precision
    from unnest(p_keys) as u(uk)
    where not exists (select 1 from limit_budgets b where b.key = u.uk);
  if found then
    return;
  end if;
  for i in 1..n loop
    k := p_keys[i];
    delete from limit_reservations lr where lr.key = k and lr.expires_at <= p_now;
    select b.spent_usd into s from limit_budgets b where b.key = k;
    select coalesce(sum(lr.amount_usd), 0) into r from limit_reservations lr where lr.key = k;
    if s + r + p_amounts[i] > p_limits[i] + 1e-12 then
      return query select k, 'refused'::text, s, r;
      return;
    end if;
    spent[i] := s;
    held[i] := r + p_amounts[i];
  end loop;
  for i in 1..n loop
    insert into limit_reservations (id, key, amount_usd, expires_at)
      values (p_id, p_keys[i], p_amounts[i], p_expires);
  end loop;
  return query select p_keys[g], 'ok'::text, spent[g], held[g] from generate_subscripts(p_keys, 1) as g;
end
$fn$`;

/*
 * The actual cost goes to every budget the call was reserved against, even when its reservation
 * has expired meanwhile (a call slower than the TTL still spent its money).
 */
const BUDGET_SETTLE = `
create function keel_budget_settle(p_id text, p_keys text[], p_actual double precision, p_now bigint)
returns table (o_key text, o_spent double precision, o_reserved double precision)
language plpgsql as $fn$
begin
  perform set_config('synchronous_commit', 'off', true);
  perform 1 from limit_budgets b where b.key = any(p_keys) order by b.key for update;
  delete from limit_reservations lr where lr.id = p_id;
  update limit_budgets b set spent_usd = b.spent_usd + p_actual where b.key = any(p_keys);
  return query select b.key, b.spent_usd,
      coalesce((select sum(lr.amount_usd) from limit_reservations lr
        where lr.key = b.key and lr.expires_at > p_now), 0)
    from limit_budgets b where b.key = any(p_keys);
end
$fn$`;

const FUNCTIONS = [WINDOW_HIT, BUDGET_RESERVE, BUDGET_SETTLE];
