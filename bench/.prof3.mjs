import BetterSqlite3 from 'better-sqlite3';
const db = new BetterSqlite3(process.argv[2], { readonly: true });
const q = 'select seq, ts, actor, action, target, details, prev_hash, hash from audit_log where seq > ? order by seq limit ?';
function time(label, size, raw) {
  let stmt = db.prepare(q); if (raw) stmt = stmt.raw(true);
  const t = performance.now(); let after = 0; let n = 0;
  for (;;) { const page = stmt.all(after, size); if (!page.length) break; const last = page[page.length-1]; after = raw ? last[0] : last.seq; n += page.length; }
  console.log(label, size, (performance.now()-t).toFixed(0), 'ms');
}
for (let i = 0; i < 2; i++) for (const size of [256, 1000, 4000, 10000]) { time('obj', size); time('raw', size, true); }
