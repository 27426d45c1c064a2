import BetterSqlite3 from 'better-sqlite3';
const db = new BetterSqlite3(process.argv[2], { readonly: true });
function time(label, sqlText, raw) {
  let stmt = db.prepare(sqlText); if (raw) stmt = stmt.raw(true);
  const t = performance.now(); let after = 0; let n = 0;
  for (;;) { const page = stmt.all(after, 10000); if (!page.length) break; const last = page[page.length-1]; after = raw ? last[0] : last.seq; n += page.length; }
  console.log(label, n, (performance.now()-t).toFixed(0), 'ms');
}
for (let i = 0; i < 2; i++) {
time('seq only', 'select seq from audit_log where seq > ? order by seq limit ?');
time('seq,hash', 'select seq, hash from audit_log where seq > ? order by seq limit ?');
time('seq,details', 'select seq, details from audit_log where seq > ? order by seq limit ?');
time('all obj', 'select seq, ts, actor, action, target, details, prev_hash, hash from audit_log where seq > ? order by seq limit ?');
time('all raw', 'select seq, ts, actor, action, target, details, prev_hash, hash from audit_log where seq > ? order by seq limit ?', true);
}
console.log(db.prepare('explain query plan select seq from audit_log where seq > ? order by seq limit ?').all(0, 1));
const t = performance.now(); let n = 0; for (const r of db.prepare('select seq, ts, actor, action, target, details, prev_hash, hash from audit_log').raw(true).iterate()) n++; console.log('iterate', n, (performance.now()-t).toFixed(0));
