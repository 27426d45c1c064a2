import BetterSqlite3 from 'better-sqlite3';
import { hash } from 'node:crypto';
const db = new BetterSqlite3(process.argv[2], { readonly: true });
const q = 'select seq, ts, actor, action, target, details, prev_hash, hash from audit_log where seq > ? order by seq limit ?';
const canon = (seq, ts, actor, action, target, details, prev) => `{"action":${JSON.stringify(action)},"actor":${JSON.stringify(actor)},"details":${details},"prev_hash":${JSON.stringify(prev)},"seq":${seq},"target":${target === null ? 'null' : JSON.stringify(target)},"ts":${ts}}`;
function run(label, size, mode) {
  const stmt = db.prepare(q).raw(mode !== 'obj');
  const t = performance.now(); let after = 0; let n = 0; let bad = 0;
  for (;;) {
    let page = stmt.all(after, size); if (!page.length) break;
    if (mode === 'map') page = page.map(r => ({ seq: r[0], ts: r[1], actor: r[2], action: r[3], target: r[4], details: r[5], prev_hash: r[6], hash: r[7] }));
    for (const r of page) {
      if (mode === 'obj' || mode === 'map') { if (hash('sha256', canon(r.seq, r.ts, r.actor, r.action, r.target, r.details, r.prev_hash), 'hex') !== r.hash) bad++; }
      else { if (hash('sha256', canon(r[0], r[1], r[2], r[3], r[4], r[5], r[6]), 'hex') !== r[7]) bad++; }
    }
    const last = page[page.length-1]; after = mode === 'raw' ? last[0] : last.seq; n += page.length;
  }
  console.log(label, size, n, bad, (performance.now()-t).toFixed(0), 'ms');
}
for (let i = 0; i < 2; i++) for (const size of [1000, 2000]) { run('obj', size, 'obj'); run('map', size, 'map'); run('raw', size, 'raw'); }
