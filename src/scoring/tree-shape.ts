/**
 * The structure check the tree readers share (conifer, isotree): walked from the root (node 0),
 * every node is reached at most once (a cycle would make the walk loop, a shared subtree would
 * count a leaf twice) and no deeper than MODEL_LIMITS.depth — the native walker's bound
 * (native/scoring_iforest.cc checkTrees), so TS and native accept the same trees. A node no path
 * reaches is allowed: no scorer visits it. Children must already be integers in [-1, n).
 *
 * ```ts
 * expectTreeShape(left, right, (side, i) => `conifer.trees[0][0].children_${side}[${i}]`);
 * ```
 */
import { MODEL_LIMITS, fail } from "./validate.js";

/** Depth of the tree (root = 0); the first problem throws a ModelFieldError at the child that causes it. */
export function expectTreeShape(left: ArrayLike<number>, right: ArrayLike<number>, childPath: (side: "left" | "right", node: number) => string): number {
  const n = left.length;
  const seen = new Uint8Array(n);
  seen[0] = 1;
  const stack: number[] = [0];
  const depth: number[] = [0];
  let maxDepth = 0;
  while (stack.length) {
    const node = stack.pop()!;
    const d = depth.pop()!;
    maxDepth = Math.max(maxDepth, d);
    for (const side of ["left", "right"] as const) {
      const c = (side === "left" ? left : right)[node];
      if (c < 0) continue;
      if (seen[c]) fail(childPath(side, node), `node ${c} is reached a second time (not a tree)`);
      if (d + 1 > MODEL_LIMITS.depth) fail(childPath(side, node), `node ${c} is at depth ${d + 1}, deeper than the ${MODEL_LIMITS.depth}-level limit`);
      seen[c] = 1;
      stack.push(c);
      depth.push(d + 1);
    }
  }
  return maxDepth;
}

/**
 * The same check over trees in conifer's layout as our iforest/eif JSON reads them (a node is a
 * leaf when its feature or its left child is negative; a leaf's children are never followed).
 * Children must already be integers in [-1, n) (treesToForest checks them).
 */
export function expectTreesShape(trees: ReadonlyArray<{ feature: ArrayLike<number>; children_left: ArrayLike<number>; children_right: ArrayLike<number> }>, what: string): void {
  trees.forEach((t, k) => {
    const n = t.feature.length;
    const left = new Int32Array(n), right = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const leaf = t.feature[i] < 0 || t.children_left[i] < 0;
      left[i] = leaf ? -1 : t.children_left[i];
      right[i] = leaf ? -1 : t.children_right[i];
    }
    expectTreeShape(left, right, (side, i) => `${what}[${k}].children_${side}[${i}]`);
  });
}
