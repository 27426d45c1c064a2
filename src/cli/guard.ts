import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EvalRow } from '../guards/eval.js';
import {
  evaluate,
  formatEvalReport,
  injectionEvalDetector,
  scanForCli,
  sourceGroup,
} from '../guards/index.js';
import { formatGatewayRates, gatewayAction, gatewayRates, INDIRECT_ROW_KINDS } from './guard-policy.js';
import type { Io } from './main.js';

const HELP = `Usage:
  keel guard scan [--file F | --jsonl F] [--indirect]   one JSON result per input (stdin when no file)
  keel guard eval [--file] FILE.jsonl [--route] [--by-source] [--json]
                                                         precision, recall, false-positive rate, latency

scan prints {"flagged": bool, "score": number, "gateway": action, "detectors": [...]} per input: plain text is one input;
with --jsonl every line's "text" field is one. --indirect scores the text as retrieved or tool content.
"flagged" is score >= 0.5; "gateway" is what the default gateway policy does with the same text (block
from 0.85, flag from 0.5; secrets masked; PII flagged): block, redact, mask, flag or allow. Documents
pasted into the text (in """ or \`\`\` fences, <document> tags) get an "indirect_injection" entry, as the gateway
screens them.
eval reads rows {text, label, source?, kind?} (label attack = positive; benign = negative; harmful is
reported separately) and adds the default gateway policy's block and flag rates per label. --route sends
indirect/document rows to the indirect detector, as the gateway does.
--by-source groups sources by their first two path parts (bipia/email/start → bipia/email); the report
ends with the worst and mean attack-source recall and the highest benign-source FPR. Leave-one-source-out
evaluation (a model retrained without each source) is \`npm run eval:guards\` in a checkout.
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function jsonlRows(text: string, file: string): EvalRow[] {
  const rows: EvalRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
    if (!row || typeof row !== 'object' || typeof (row as { text?: unknown }).text !== 'string')
      throw new Error(`${file}:${i + 1}: expected an object with a "text" string`);
    rows.push(row as EvalRow);
  });
  return rows;
}

function scanned(text: string, indirect: boolean) {
  const { flagged, score, detectors } = scanForCli(text, indirect ? { indirect: true } : {});
  return { flagged, score, gateway: gatewayAction(text, indirect), detectors };
}

export async function runGuard(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      jsonl: { type: 'string' },
      indirect: { type: 'boolean' },
      route: { type: 'boolean' },
      'by-source': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!sub || values.help || sub === 'help') {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  try {
    if (sub === 'scan') {
      if (values.jsonl) {
        for (const row of jsonlRows(readFileSync(values.jsonl, 'utf8'), values.jsonl))
          io.out(`${JSON.stringify(scanned(row.text, values.indirect === true))}\n`);
        return 0;
      }
      const text = values.file ? readFileSync(values.file, 'utf8') : await readStdin();
      io.out(`${JSON.stringify(scanned(text, values.indirect === true))}\n`);
      return 0;
    }
    if (sub === 'eval') {
      const file = values.file ?? positionals[0];
      if (!file) {
        io.err('keel guard eval: name a .jsonl file\n');
        return 2;
      }
      const rows = jsonlRows(readFileSync(file, 'utf8'), file);
      const report = evaluate(
        rows,
        injectionEvalDetector({ routeByKind: values.route === true }),
        values['by-source'] ? { sourceKey: sourceGroup } : {},
      );
      const gateway = gatewayRates(
        rows,
        (kind) => values.route === true && kind !== undefined && INDIRECT_ROW_KINDS.includes(kind),
      );
      io.out(
        values.json
          ? `${JSON.stringify({ ...report, gateway }, null, 2)}\n`
          : formatEvalReport(report) + formatGatewayRates(gateway),
      );
      return 0;
    }
  } catch (e) {
    io.err(`keel guard ${sub}: ${(e as Error).message}\n`);
    return 1;
  }
  io.err(`keel guard: unknown subcommand "${sub}"\n\n${HELP}`);
  return 2;
}
