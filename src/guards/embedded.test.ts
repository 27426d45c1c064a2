import { describe, expect, it } from 'vitest';
import { embeddedBlocks, MIN_EMBEDDED } from './embedded.js';

const DOC = 'Quarterly numbers: revenue grew four percent, churn fell, and the Lisbon office opened in May.';
const slices = (text: string) => embeddedBlocks(text).map((b) => text.slice(b.start, b.end));

describe('embeddedBlocks', () => {
  it('finds fenced and tagged documents in a user turn', () => {
    expect(slices(`Summarise this:\n"""\n${DOC}\n"""\nThanks.`)).toEqual([`\n${DOC}\n`]);
    expect(slices(`Review:\n\`\`\`ts\n// ${DOC}\n\`\`\``)).toEqual([`ts\n// ${DOC}\n`]);
    expect(slices(`Here is the page <document id="7">${DOC}</document> what is it about?`)).toEqual([DOC]);
    expect(slices(`<EMAIL>${DOC}</Email>`)).toEqual([DOC]);
  });

  it('runs an unclosed fence or tag to the end of the text', () => {
    expect(slices(`Translate this: '''${DOC}`)).toEqual([DOC]);
    expect(slices(`<article>${DOC}`)).toEqual([DOC]);
  });

  it('keeps several blocks apart and in order, and a tag inside a fence belongs to the fence', () => {
    const text = `First: """${DOC}""" and second: <doc>${DOC} (two)</doc>`;
    expect(slices(text)).toEqual([DOC, `${DOC} (two)`]);
    const nested = `"""<doc>${DOC}</doc>"""`;
    expect(slices(nested)).toEqual([`<doc>${DOC}</doc>`]);
  });

  it('leaves short quotations and plain turns alone', () => {
    expect(DOC.length).toBeGreaterThanOrEqual(MIN_EMBEDDED);
    expect(embeddedBlocks('Is """yes""" a valid Python string?')).toEqual([]);
    expect(embeddedBlocks(`${DOC} ${DOC}`)).toEqual([]);
  });

  it('stays linear on hostile input', () => {
    const t0 = performance.now();
    embeddedBlocks('<doc>'.repeat(50_000));
    embeddedBlocks('"""x'.repeat(50_000));
    embeddedBlocks(`<doc>${'a'.repeat(200_000)}`.repeat(2));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(embeddedBlocks(`"""${'y'.repeat(100)}"""`.repeat(100)).length).toBe(16);
  });
});
