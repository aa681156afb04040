/** Types of view.js (shared with the plain-JavaScript durability child). */
export interface VvolView {
  state: string;
  access: string;
  capacity: number;
  pool: number;
  parent: string | null;
  snap: string;
  type: string;
  md: Record<string, string>;
}
export interface PairView {
  purpose: string;
  activity: string;
  sync: string;
}
export interface TaskView {
  kind: string;
  src: string | null;
  dst: string | null;
}
export interface View {
  /** By VVol id. */
  vvols: Record<string, VvolView>;
  /** By "<mv vvol id> <rv vvol id>". */
  pairs: Record<string, PairView>;
  /** Queued and running tasks, by task id. */
  tasks: Record<string, TaskView>;
  /** "<host> <vvol id>", sorted. */
  bindings: string[];
}
export function storeView(store: { all(sql: string, ...params: never[]): unknown[] }): View;
