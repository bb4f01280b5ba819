import type { KeyboardEvent, MouseEvent } from 'react';
import { TierBadge } from './components.js';
import { Link, navigate } from './router.js';
import type { FourthParties, FourthPartyNode } from './types.js';

/** The subcontractor tree as nested lists: the accessible, text-first view. */
export function FourthPartyTree({ tree, onRemove }: { tree: FourthPartyNode; onRemove?: (child: FourthPartyNode) => void }) {
  return (
    <ul className="fp-tree" aria-label={`Subcontractors of ${tree.name}`}>
      <li>
        <span className="fp-node fp-root">
          <strong>{tree.name}</strong> <TierBadge tier={tree.tier} />
        </span>
        {tree.children.length > 0 && <Branch nodes={tree.children} depth={1} onRemove={onRemove} />}
      </li>
    </ul>
  );
}

function Branch({ nodes, depth, onRemove }: { nodes: FourthPartyNode[]; depth: number; onRemove?: (child: FourthPartyNode) => void }) {
  return (
    <ul>
      {nodes.map((n, i) => (
        <li key={`${n.id}-${i}`}>
          <span className="fp-node">
            <Link to={`/vendors/${n.id}`}>{n.name}</Link> <TierBadge tier={n.tier} />
            {n.service && <span className="muted"> · {n.service}</span>}
            {depth > 1 && <span className="muted small"> · {depth === 2 ? 'fifth' : `${depth + 3}th`} party</span>}
            {n.cycle && <span className="tag tag-warn">cycle: already above in this branch</span>}
            {onRemove && depth === 1 && (
              <button type="button" className="btn btn-ghost btn-small" onClick={() => onRemove(n)} aria-label={`Remove ${n.name} as a subcontractor`}>
                Remove
              </button>
            )}
          </span>
          {n.children.length > 0 && <Branch nodes={n.children} depth={depth + 1} onRemove={onRemove} />}
        </li>
      ))}
    </ul>
  );
}

interface GNode {
  id: string;
  name: string;
  tier: string;
  depth: number;
  order: number;
  root: boolean;
}
interface GEdge {
  from: string;
  to: string;
  cycle: boolean;
}

const NODE_W = 168;
const NODE_H = 30;
const GAP_X = 56;
const GAP_Y = 12;
const PAD = 8;

/**
 * Lays the vendor, its subcontractors (any depth) and the vendors that use it out in columns: users on
 * the left, the vendor, then each level of subcontracting. A vendor reached by several paths is drawn
 * once, in the deepest column it reaches, so every edge points right.
 */
export function layoutGraph(data: FourthParties): { nodes: GNode[]; edges: GEdge[]; width: number; height: number } {
  const nodes = new Map<string, GNode>();
  const edges = new Map<string, GEdge>();
  let order = 0;
  const root = data.tree;
  nodes.set(root.id, { id: root.id, name: root.name, tier: root.tier, depth: 0, order: order++, root: true });
  for (const u of data.usedBy) {
    if (!nodes.has(u.id)) nodes.set(u.id, { id: u.id, name: u.name, tier: u.tier, depth: -1, order: order++, root: false });
    edges.set(`${u.id}>${root.id}`, { from: u.id, to: root.id, cycle: false });
  }
  const walk = (parent: FourthPartyNode, depth: number) => {
    for (const child of parent.children) {
      edges.set(`${parent.id}>${child.id}`, { from: parent.id, to: child.id, cycle: child.cycle || edges.get(`${parent.id}>${child.id}`)?.cycle === true });
      const existing = nodes.get(child.id);
      if (child.cycle) {
        if (!existing) nodes.set(child.id, { id: child.id, name: child.name, tier: child.tier, depth, order: order++, root: false });
        continue;
      }
      if (!existing) nodes.set(child.id, { id: child.id, name: child.name, tier: child.tier, depth, order: order++, root: false });
      else if (!existing.root && existing.depth >= 0 && existing.depth < depth) existing.depth = depth;
      walk(child, depth + 1);
    }
  };
  walk(root, 1);

  const list = [...nodes.values()];
  const minDepth = Math.min(...list.map((n) => n.depth));
  const columns = new Map<number, GNode[]>();
  for (const n of list.sort((a, b) => a.order - b.order)) {
    const col = columns.get(n.depth) ?? [];
    col.push(n);
    columns.set(n.depth, col);
  }
  const tallest = Math.max(...[...columns.values()].map((c) => c.length));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y;
  const depths = [...columns.keys()];
  const width = PAD * 2 + (Math.max(...depths) - minDepth + 1) * (NODE_W + GAP_X) - GAP_X;
  const positioned: GNode[] = [];
  for (const [depth, col] of columns) {
    const colHeight = col.length * NODE_H + (col.length - 1) * GAP_Y;
    col.forEach((n, i) => {
      positioned.push({ ...n, depth: depth - minDepth, order: (height - colHeight) / 2 + i * (NODE_H + GAP_Y) });
    });
  }
  return { nodes: positioned, edges: [...edges.values()], width, height };
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The same data as a small SVG graph; each node is a link to its vendor. */
export function FourthPartyGraph({ data }: { data: FourthParties }) {
  const layout = layoutGraph(data);
  const { nodes, edges } = layout;
  const col = new Map(nodes.map((n) => [n.id, n.depth]));
  // Edges that skip a column are routed above the nodes, so they never cross a box.
  const skips = edges.filter((e) => (col.get(e.to) ?? 0) - (col.get(e.from) ?? 0) > 1);
  const top = skips.length ? 12 + skips.length * 8 : 0;
  const width = layout.width;
  const height = layout.height + top;
  const at = new Map(nodes.map((n) => [n.id, { x: PAD + n.depth * (NODE_W + GAP_X), y: n.order + top }]));
  const go = (id: string) => (event: MouseEvent | KeyboardEvent) => {
    if ('key' in event && event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    navigate(`/vendors/${id}`);
  };
  return (
    <figure className="fp-graph">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="group"
        aria-label={`Graph of ${data.tree.name}: ${data.usedBy.length} vendors use it, ${nodes.length - 1 - data.usedBy.length} distinct subcontractors below it`}
      >
        <defs>
          <marker id="fp-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L8,4 L0,8 z" fill="var(--edge)" />
          </marker>
        </defs>
        {edges.map((e) => {
          const a = at.get(e.from);
          const b = at.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + NODE_W;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x - 2;
          const y2 = b.y + NODE_H / 2;
          const skip = skips.indexOf(e);
          let d: string;
          if (x2 <= x1) {
            // Back to a vendor already drawn (a cycle): loop under the boxes.
            const low = Math.max(a.y, b.y) + NODE_H + 10;
            d = `M${a.x + NODE_W / 2},${a.y + NODE_H} C${a.x + NODE_W / 2},${low} ${b.x + NODE_W / 2},${low} ${b.x + NODE_W / 2},${b.y + NODE_H + 2}`;
          } else if (skip >= 0) {
            const lane = 6 + skip * 8;
            d = `M${x1},${y1} C${x1 + 24},${y1} ${x1 + 12},${lane} ${x1 + 36},${lane} L${x2 - 36},${lane} C${x2 - 12},${lane} ${x2 - 24},${y2} ${x2},${y2}`;
          } else {
            const mid = (x1 + x2) / 2;
            d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
          }
          return <path key={`${e.from}>${e.to}`} d={d} className={`fp-edge${e.cycle ? ' fp-edge-cycle' : ''}`} markerEnd="url(#fp-arrow)" />;
        })}
        {nodes.map((n) => {
          const p = at.get(n.id)!;
          return (
            <g
              key={n.id}
              transform={`translate(${p.x},${p.y})`}
              className={`fp-gnode${n.root ? ' fp-groot' : ''}`}
              role={n.root ? undefined : 'link'}
              tabIndex={n.root ? undefined : 0}
              aria-label={n.root ? undefined : `${n.name}, tier ${n.tier}`}
              onClick={n.root ? undefined : go(n.id)}
              onKeyDown={n.root ? undefined : go(n.id)}
            >
              <title>{`${n.name} (${n.tier})`}</title>
              <rect width={NODE_W} height={NODE_H} rx="5" className="fp-box" />
              <rect width="5" height={NODE_H} rx="2" className={`fp-stripe fill-${n.tier.toLowerCase()}`} />
              <text x="12" y={NODE_H / 2 + 4} className="fp-label">
                {truncate(n.name, 19)}
              </text>
              <text x={NODE_W - 8} y={NODE_H / 2 + 4} textAnchor="end" className="fp-tier">
                {n.tier}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="hint">
        {data.usedBy.length > 0 ? 'Vendors that use this one on the left, its subcontractors' : 'Subcontractors'} to the right, one column per level. Select a box to open that vendor.
      </figcaption>
    </figure>
  );
}
