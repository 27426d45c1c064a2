import type { LineageGraphInfo, LineageNode } from '@keel/api';
import { Empty } from './bits';
import { DataTable } from './DataTable';

const ORDER: LineageNode['type'][] = ['dataset', 'prompt', 'model', 'use_case', 'output'];
const TYPE_LABEL: Record<LineageNode['type'], string> = {
  dataset: 'Dataset',
  prompt: 'Prompt',
  model: 'Model',
  use_case: 'Use case',
  output: 'Output',
};
const COL_W = 210;
const NODE_W = 170;
const NODE_H = 44;
const ROW_H = 60;
const PAD = 12;

function label(n: LineageNode): string {
  const text = n.version ? `${n.name}@${n.version}` : n.name;
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

/**
 * Where a use case's data comes from: datasets → prompts → models → use case → outputs, one column
 * per kind, drawn as SVG (no chart library needed). The same edges are listed in a table below, for
 * screen readers, keyboard users and CSV.
 */
export function LineageGraph({ graph, caption }: { graph: LineageGraphInfo; caption: string }) {
  if (graph.nodes.length === 0)
    return (
      <Empty title="No lineage recorded yet">
        <p>
          Register prompts with the datasets they use (<code className="code">POST /api/prompts</code>) or add
          edges with <code className="code">POST /api/lineage/edges</code>; calls through Keel add model → use
          case edges.
        </p>
      </Empty>
    );
  const cols = ORDER.filter((t) => graph.nodes.some((n) => n.type === t));
  const pos = new Map<string, { x: number; y: number }>();
  let rows = 0;
  cols.forEach((t, c) => {
    const inCol = graph.nodes.filter((n) => n.type === t).sort((a, b) => a.id.localeCompare(b.id));
    rows = Math.max(rows, inCol.length);
    inCol.forEach((n, r) => {
      pos.set(n.id, { x: PAD + c * COL_W, y: PAD + 20 + r * ROW_H });
    });
  });
  const width = PAD * 2 + (cols.length - 1) * COL_W + NODE_W;
  const height = PAD * 2 + 20 + rows * ROW_H;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const name = (id: string) => {
    const n = byId.get(id);
    return n ? `${TYPE_LABEL[n.type]} ${n.version ? `${n.name}@${n.version}` : n.name}` : id;
  };
  return (
    <>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <section className="lineage-scroll" aria-label={`${caption} graph`} tabIndex={0}>
        <svg
          role="img"
          aria-label={`${caption}: ${graph.nodes.length} nodes, ${graph.edges.length} links (listed in the table below)`}
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          className="lineage-svg"
        >
          <defs>
            <marker
              id="lineage-arrow"
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill="var(--muted)" />
            </marker>
          </defs>
          {cols.map((t, c) => (
            <text key={t} x={PAD + c * COL_W} y={PAD + 8} className="lineage-col">
              {TYPE_LABEL[t]}
            </text>
          ))}
          {graph.edges.map((e) => {
            const a = pos.get(e.from);
            const b = pos.get(e.to);
            if (!a || !b) return null;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return (
              <path
                key={`${e.from}|${e.to}|${e.relation}`}
                d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`}
                fill="none"
                stroke="var(--muted)"
                strokeWidth={1.5}
                strokeDasharray={e.source === 'observed' ? '5 4' : undefined}
                markerEnd="url(#lineage-arrow)"
              />
            );
          })}
          {graph.nodes.map((n) => {
            const p = pos.get(n.id);
            if (!p) return null;
            const root = graph.root === n.id;
            return (
              <g key={n.id} transform={`translate(${p.x} ${p.y})`}>
                <rect
                  width={NODE_W}
                  height={NODE_H}
                  rx={6}
                  fill={root ? 'var(--info-bg)' : 'var(--surface-2)'}
                  stroke={root ? 'var(--accent)' : 'var(--border)'}
                  strokeWidth={root ? 2 : 1}
                />
                <text x={10} y={18} className="lineage-type">
                  {TYPE_LABEL[n.type]}
                </text>
                <text x={10} y={35} className="lineage-name">
                  {label(n)}
                </text>
              </g>
            );
          })}
        </svg>
      </section>
      <p className="legend-note">
        Solid: recorded links. Dashed: links observed in traffic over the last 30 days.
      </p>
      <DataTable
        caption={`${caption} links`}
        columns={[
          { key: 'from', header: 'From', value: (e) => e.from, render: (e) => name(e.from) },
          { key: 'relation', header: 'Relation', value: (e) => e.relation },
          { key: 'to', header: 'To', value: (e) => e.to, render: (e) => name(e.to) },
          { key: 'source', header: 'Known from', value: (e) => e.source },
        ]}
        rows={graph.edges}
        rowKey={(e) => `${e.from}|${e.to}|${e.relation}`}
        filename="keel-lineage"
        empty={<Empty title="No links" />}
      />
    </>
  );
}
