import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

export async function runModels(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out('Usage: keel models [--config keel.yaml] [--json]\n\nLists the model names clients can send.\n');
    return 0;
  }
  const { config } = loadConfig({ path: values.config, env: io.env });
  const rows = config.models.map((m) => ({
    model: m.name,
    type: m.type,
    targets: m.targets
      .map((t) => `${t.provider}:${t.model}${m.targets.length > 1 ? ` (w${t.weight})` : ''}`)
      .join(', '),
    fallbacks: m.fallbacks.join(', '),
  }));
  if (values.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
  else io.out(formatTable(rows, ['model', 'type', 'targets', 'fallbacks']));
  return 0;
}
