import { sql } from 'kysely';
import type { Database } from '../db.js';
import {
  type CounterBackend,
  createSharedCounters,
  type LeaseItem,
  type SharedCounters,
  type SharedCountersOptions,
} from './shared.js';

/**
 * Counters shared by every replica on one PostgreSQL: each operation is one call of a plpgsql
 * function from migration 007_counters, atomic under row locks. The pool is the store's own; closing
 * these counters leaves it open.
 */
export function createPostgresCounters(database: Database, opts: SharedCountersOptions = {}): SharedCounters {
  if (database.dialect !== 'postgres') throw new Error('database counters need a PostgreSQL store');
  const { db } = database;
  const backend: CounterBackend = {
    async window(key, amount, limit, windowMs, now, check) {
      const { rows } = await sql<{
        o_ok: boolean;
        o_used: number;
        o_previous: number;
        o_start: string | number;
      }>`
        select * from keel_window_hit(${key}, ${amount}::double precision, ${limit}::double precision,
          ${windowMs}::bigint, ${now}::bigint, ${check})`.execute(db);
      const r = rows[0]!;
      return { ok: r.o_ok, used: Number(r.o_used), previous: Number(r.o_previous), start: Number(r.o_start) };
    },

    async reserve(id, items, now, expiresAt) {
      const { rows } = await sql<{ o_key: string; o_status: string; o_spent: number; o_reserved: number }>`
        select * from keel_budget_reserve(${id},
          ${items.map((i) => i.key)}::text[],
          ${items.map((i) => i.limitUsd)}::double precision[],
          ${items.map((i) => i.amountUsd)}::double precision[],
          ${now}::bigint, ${expiresAt}::bigint)`.execute(db);
      const status = rows[0]?.o_status;
      if (status === 'missing') return { status, keys: rows.map((r) => r.o_key) };
      if (status === 'refused') {
        const r = rows[0]!;
        return {
          status,
          index: items.findIndex((i) => i.key === r.o_key),
          spent: Number(r.o_spent),
          reserved: Number(r.o_reserved),
        };
      }
      const byKey = new Map(rows.map((r) => [r.o_key, r]));
      return {
        status: 'ok',
        spent: items.map((i) => Number(byKey.get(i.key)?.o_spent ?? 0)),
        reserved: items.map((i) => Number(byKey.get(i.key)?.o_reserved ?? 0)),
      };
    },

    async lease(id, items, fraction, now, expiresAt) {
      const col = (f: (i: LeaseItem) => number) => items.map(f);
      const { rows } = await sql<{
        o_key: string;
        o_status: string;
        o_spent: number;
        o_others: number;
        o_keep: number;
      }>`
        select * from keel_budget_lease(${id},
          ${items.map((i) => i.key)}::text[],
          ${col((i) => i.limitUsd)}::double precision[],
          ${col((i) => i.pendingUsd)}::double precision[],
          ${col((i) => i.inflightUsd)}::double precision[],
          ${col((i) => i.needUsd)}::double precision[],
          ${col((i) => i.unitUsd)}::double precision[],
          ${fraction}::double precision, ${now}::bigint, ${expiresAt}::bigint)`.execute(db);
      if (rows[0]?.o_status === 'missing') return { status: 'missing', keys: rows.map((r) => r.o_key) };
      const byKey = new Map(rows.map((r) => [r.o_key, r]));
      return {
        status: 'ok',
        results: items.map((i) => {
          const r = byKey.get(i.key);
          if (!r) throw new Error(`keel_budget_lease returned no row for ${i.key}`);
          return {
            kind: r.o_status === 'slice' ? 'slice' : r.o_status === 'exact' ? 'exact' : 'refused',
            spent: Number(r.o_spent),
            others: Number(r.o_others),
            keep: Number(r.o_keep),
          };
        }),
      };
    },

    async init(key, spentUsd, now) {
      await sql`insert into limit_budgets (key, spent_usd, created_at)
        values (${key}, ${spentUsd}::double precision, ${now}::bigint) on conflict (key) do nothing`.execute(
        db,
      );
    },

    async settle(id, keys, actualUsd, now) {
      const { rows } = await sql<{ o_key: string; o_spent: number; o_reserved: number }>`
        select * from keel_budget_settle(${id}, ${keys}::text[], ${actualUsd}::double precision, ${now}::bigint)`.execute(
        db,
      );
      return rows.map((r) => ({ key: r.o_key, spent: Number(r.o_spent), reserved: Number(r.o_reserved) }));
    },

    async budgetKeys() {
      const { rows } = await sql<{ key: string }>`select key from limit_budgets`.execute(db);
      return rows.map((r) => r.key);
    },

    // One statement: the row lock taken by the subquery holds until the update, so a concurrent
    // settle is either before (and counted in \`before\`) or after it.
    async raise(key, ledgerUsd) {
      const { rows } = await sql<{ before: number; after: number }>`
        update limit_budgets b set spent_usd = greatest(b.spent_usd, ${ledgerUsd}::double precision)
        from (select key, spent_usd from limit_budgets where key = ${key} for update) old
        where b.key = old.key
        returning old.spent_usd as before, b.spent_usd as after`.execute(db);
      const r = rows[0];
      return r && { before: Number(r.before), after: Number(r.after) };
    },

    async sweep(keys, now) {
      const { rows } = await sql<{ budgets: string | number; reservations: string | number }>`
        with r as (
          delete from limit_reservations where key = any(${keys}::text[]) or expires_at <= ${now}::bigint
          returning 1
        ), b as (delete from limit_budgets where key = any(${keys}::text[]) returning 1)
        select (select count(*) from b) as budgets, (select count(*) from r) as reservations`.execute(db);
      return { budgets: Number(rows[0]?.budgets ?? 0), reservations: Number(rows[0]?.reservations ?? 0) };
    },

    async close() {},
  };
  return createSharedCounters(backend, opts);
}
