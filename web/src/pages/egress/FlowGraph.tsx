/**
 * The data-flow map: internal sources (hosts, apps) on the left, the vendors they reach in the
 * middle, the destinations (registrable domains) on the right. An edge's width grows with the bytes
 * it carried, its colour says whether that data was sanctioned; hovering an edge or a node names the
 * data classes. Destinations no vendor claims hang off an "Unattributed" node and are drawn dashed.
 */
import { useState } from 'react';
import { navigate } from '../../router.js';
import { detectionLabel, formatBytes, formatCount, SANCTION_LABEL, SANCTIONS, type Sanction } from './egressTypes.js';

export type GraphNodeKind = 'source' | 'vendor' | 'destination';

/** GET /api/v1/dataflows/graph: source → vendor → destination, source → destination for unattributed ones. */
export interface FlowGraphData {
  nodes: Array<{ id: string; kind: GraphNodeKind; label: string; requests: number; bytes: number; sanction: Sanction | null }>;
  edges: GraphEdge[];
}

export interface GraphEdge {
  from: string;
  to: string;
  requests: number;
  bytes: number;
  dataClasses: string[];
  sanction: Sanction;
}

interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  /** Vendors: the vendor's id (null for the stand-in of unattributed destinations); destinations: whether a vendor claims it. */
  vendorId: string | null;
  sanction: Sanction | null;
  /** The data classes of the edges reaching it. */
  dataClasses: string[];
}

const UNATTRIBUTED = 'vendor:(unattributed)';

/**
 * The API's graph with a stand-in vendor, "Unattributed", between sources and the destinations no
 * vendor claims, so every line runs column to column and the unclaimed ones gather in one place.
 */
function normalize(graph: FlowGraphData): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const kind = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  const edges: GraphEdge[] = [];
  const merged = new Map<string, GraphEdge>();
  const via = (from: string, to: string, e: GraphEdge) => {
    const key = `${from}→${to}`;
    const prev = merged.get(key);
    if (!prev) merged.set(key, { ...e, from, to, dataClasses: [...e.dataClasses] });
    else {
      prev.requests += e.requests;
      prev.bytes += e.bytes;
      prev.dataClasses = [...new Set([...prev.dataClasses, ...e.dataClasses])];
      prev.sanction = worst(prev.sanction, e.sanction);
    }
  };
  for (const e of graph.edges) {
    if (kind.get(e.from) === 'source' && kind.get(e.to) === 'destination') {
      via(e.from, UNATTRIBUTED, e);
      via(UNATTRIBUTED, e.to, e);
    } else edges.push(e);
  }
  edges.push(...merged.values());
  const claimed = new Set(edges.filter((e) => kind.get(e.from) === 'vendor').map((e) => e.to));
  const classes = new Map<string, Set<string>>();
  for (const e of edges) {
    const set = classes.get(e.to) ?? new Set<string>();
    for (const c of e.dataClasses) set.add(c);
    classes.set(e.to, set);
  }
  const nodes: GraphNode[] = graph.nodes.map((n) => ({
    id: n.id,
    kind: n.kind,
    label: n.label,
    vendorId: n.kind === 'vendor' ? n.id.replace(/^vendor:/, '') : n.kind === 'destination' && claimed.has(n.id) ? 'claimed' : null,
    sanction: n.sanction,
    dataClasses: [...(classes.get(n.id) ?? [])],
  }));
  if (merged.size) nodes.push({ id: UNATTRIBUTED, kind: 'vendor', label: 'Unattributed', vendorId: null, sanction: 'unknown', dataClasses: [...(classes.get(UNATTRIBUTED) ?? [])] });
  return { nodes, edges };
}

/** The most nodes drawn in one column; the rest are counted under it (the table lists every flow). */
const MAX_PER_COLUMN = 14;
const COLUMN_X = [8, 470, 932];
const BOX_W = 240;
const BOX_H = 34;
const ROW = 46;
const TOP = 30;
const SANCTION_RANK: Record<Sanction, number> = { unsanctioned: 0, unknown: 1, sanctioned: 2 };
const KIND_COLUMN: Record<GraphNodeKind, number> = { source: 0, vendor: 1, destination: 2 };
const COLUMN_TITLE = ['Sources', 'Vendors', 'Destinations'];

interface Placed extends GraphNode {
  x: number;
  y: number;
  volume: number;
}

function worst(a: Sanction, b: Sanction): Sanction {
  return SANCTION_RANK[a] <= SANCTION_RANK[b] ? a : b;
}

function shorten(text: string, max = 34): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Places the busiest nodes of each column; destinations follow their vendors' order so edges cross less. */
function layout(graph: { nodes: GraphNode[]; edges: GraphEdge[] }): { placed: Map<string, Placed>; hidden: number[]; height: number } {
  // A node's volume is what passes through it: the larger of what comes in and what goes out.
  const into = new Map<string, number>();
  const out = new Map<string, number>();
  for (const e of graph.edges) {
    out.set(e.from, (out.get(e.from) ?? 0) + e.bytes);
    into.set(e.to, (into.get(e.to) ?? 0) + e.bytes);
  }
  const volume = new Map(graph.nodes.map((n) => [n.id, Math.max(into.get(n.id) ?? 0, out.get(n.id) ?? 0)]));
  const columns: GraphNode[][] = [[], [], []];
  for (const n of graph.nodes) columns[KIND_COLUMN[n.kind]].push(n);
  const byVolume = (a: GraphNode, b: GraphNode) => (volume.get(b.id) ?? 0) - (volume.get(a.id) ?? 0) || a.label.localeCompare(b.label);
  const placed = new Map<string, Placed>();
  const hidden: number[] = [];
  const place = (column: number, nodes: GraphNode[]) => {
    const shown = nodes.slice(0, MAX_PER_COLUMN);
    hidden[column] = nodes.length - shown.length;
    shown.forEach((n, i) => placed.set(n.id, { ...n, x: COLUMN_X[column], y: TOP + i * ROW, volume: volume.get(n.id) ?? 0 }));
  };
  place(0, [...columns[0]].sort(byVolume));
  // The stand-in for unattributed destinations comes first: what nobody has claimed is what to look at.
  place(1, [...columns[1]].sort((a, b) => Number(b.id === UNATTRIBUTED) - Number(a.id === UNATTRIBUTED) || byVolume(a, b)));
  // A destination sits near the vendor it is reached through (its heaviest incoming edge).
  const anchor = new Map<string, number>();
  for (const e of graph.edges) {
    const from = placed.get(e.from);
    if (!from || from.kind !== 'vendor') continue;
    const best = anchor.get(e.to);
    if (best === undefined || from.y < best) anchor.set(e.to, from.y);
  }
  place(
    2,
    [...columns[2]].sort((a, b) => (anchor.get(a.id) ?? Infinity) - (anchor.get(b.id) ?? Infinity) || byVolume(a, b)),
  );
  const rows = Math.max(1, ...[0, 1, 2].map((c) => Math.min(columns[c].length, MAX_PER_COLUMN)));
  return { placed, hidden, height: TOP + rows * ROW + 24 };
}

export function FlowGraph({ graph: data, onDestination }: { graph: FlowGraphData; onDestination: (destination: string) => void }) {
  const [focus, setFocus] = useState<string | null>(null);
  const graph = normalize(data);
  const { placed, hidden, height } = layout(graph);
  const edges = graph.edges.filter((e) => placed.has(e.from) && placed.has(e.to));
  const maxBytes = Math.max(1, ...edges.map((e) => e.bytes));
  const width = COLUMN_X[2] + BOX_W + 8;
  const touches = (e: GraphEdge) => focus !== null && (e.from === focus || e.to === focus);
  const nodeSanction = new Map<string, Sanction>();
  for (const e of edges) for (const id of [e.from, e.to]) nodeSanction.set(id, nodeSanction.has(id) ? worst(nodeSanction.get(id)!, e.sanction) : e.sanction);

  return (
    <figure className="egress-graph" data-testid="flow-graph">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Data flows: ${placed.size} nodes, ${edges.length} links`}>
        {COLUMN_TITLE.map((title, i) => (
          <text key={title} x={COLUMN_X[i]} y={14} className="egress-graph-column">
            {title}
          </text>
        ))}
        <g>
          {[...edges]
            .sort((a, b) => b.bytes - a.bytes)
            .map((e) => {
              const a = placed.get(e.from)!;
              const b = placed.get(e.to)!;
              const x1 = a.x + BOX_W;
              const y1 = a.y + BOX_H / 2;
              const x2 = b.x;
              const y2 = b.y + BOX_H / 2;
              const mid = (x1 + x2) / 2;
              const strokeWidth = 1.5 + 11 * Math.sqrt(e.bytes / maxBytes);
              const classes = e.dataClasses.length ? e.dataClasses.map(detectionLabel).join(', ') : 'no personal data seen';
              return (
                <path
                  key={`${e.from}→${e.to}`}
                  className={`egress-edge egress-edge-${e.sanction}${touches(e) ? ' egress-edge-focus' : focus ? ' egress-edge-dim' : ''}`}
                  d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
                  strokeWidth={strokeWidth}
                  data-testid="flow-edge"
                  data-from={a.label}
                  data-to={b.label}
                >
                  <title>{`${a.label} → ${b.label}: ${formatCount(e.requests)} requests, ${formatBytes(e.bytes)}; ${classes}; ${SANCTION_LABEL[e.sanction].toLowerCase()}`}</title>
                </path>
              );
            })}
        </g>
        {[...placed.values()].map((n) => {
          const unattributed = n.kind === 'destination' && n.vendorId === null;
          const pseudo = n.kind === 'vendor' && n.vendorId === null;
          const sanction = n.kind === 'destination' ? (n.sanction ?? nodeSanction.get(n.id) ?? null) : null;
          const detail =
            n.kind === 'destination'
              ? unattributed
                ? `unattributed${n.dataClasses.length ? ` · ${n.dataClasses.map(detectionLabel).join(', ')}` : ''}`
                : n.dataClasses.length
                  ? n.dataClasses.map(detectionLabel).join(', ')
                  : formatBytes(n.volume)
              : formatBytes(n.volume);
          const link = n.kind === 'vendor' && n.vendorId ? `/vendors/${n.vendorId}` : null;
          const activate = () => (link ? navigate(link) : n.kind === 'destination' ? onDestination(n.label) : undefined);
          const interactive = link !== null || n.kind === 'destination';
          return (
            <g
              key={n.id}
              transform={`translate(${n.x},${n.y})`}
              className={`egress-node egress-node-${n.kind}${unattributed || pseudo ? ' egress-node-unattributed' : ''}${sanction ? ` egress-node-${sanction}` : ''}`}
              data-testid={`flow-node-${n.kind}`}
              data-label={n.label}
              role={interactive ? 'link' : undefined}
              tabIndex={interactive ? 0 : undefined}
              aria-label={interactive ? (link ? `Vendor ${n.label}` : `Show flows to ${n.label}`) : undefined}
              onClick={interactive ? activate : undefined}
              onKeyDown={interactive ? (ev) => (ev.key === 'Enter' || ev.key === ' ') && (ev.preventDefault(), activate()) : undefined}
              onMouseEnter={() => setFocus(n.id)}
              onMouseLeave={() => setFocus(null)}
              onFocus={() => setFocus(n.id)}
              onBlur={() => setFocus(null)}
            >
              <title>{`${n.label}${unattributed ? ' (unattributed)' : ''}: ${formatBytes(n.volume)}${n.dataClasses.length ? `; ${n.dataClasses.map(detectionLabel).join(', ')}` : ''}`}</title>
              <rect className="egress-node-box" width={BOX_W} height={BOX_H} rx={5} />
              {sanction && <rect className={`egress-node-mark egress-mark-${sanction}`} width={4} height={BOX_H} rx={2} />}
              <text x={10} y={14} className="egress-node-label">
                {shorten(n.label)}
              </text>
              <text x={10} y={27} className="egress-node-detail">
                {shorten(detail, 40)}
              </text>
            </g>
          );
        })}
        {hidden.map((count, column) =>
          count > 0 ? (
            <text key={column} x={COLUMN_X[column]} y={height - 8} className="egress-graph-more">
              + {count} more (see the table)
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="egress-graph-legend">
        {SANCTIONS.map((s) => (
          <span key={s} className="egress-legend-item">
            <span className={`egress-swatch egress-mark-${s}`} aria-hidden="true" /> {SANCTION_LABEL[s]}
          </span>
        ))}
        <span className="egress-legend-item">
          <span className="egress-swatch egress-swatch-dashed" aria-hidden="true" /> Unattributed destination
        </span>
        <span className="muted small">Line width: bytes sent and received. Hover a line or box for its data classes.</span>
      </figcaption>
    </figure>
  );
}
