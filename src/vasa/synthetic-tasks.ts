/**
 * VASA returns TaskInfo for operations the engine completes at once (create, resize,
 * prepare to snapshot, revert, fast clone). Clients may still poll getTaskUpdate for
 * them, so their finished TaskInfo is kept here for a while. Engine tasks (full
 * clones, copies) are looked up in the engine instead.
 */
import type { Clock } from '../array/clock';

export interface FinishedTask {
  taskId: string;
  name: string;
  arrayId?: string;
  startTime: number;
  state: 'Success' | 'Error';
  result?: unknown;
  error?: unknown;
}

export class SyntheticTasks {
  private readonly tasks = new Map<string, FinishedTask & { at: number }>();
  private n = 0;

  constructor(private readonly clock: Clock, private readonly retentionMs = 3600_000, private readonly max = 100_000) {}

  add(t: Omit<FinishedTask, 'taskId'>): FinishedTask {
    const taskId = `vasa-${this.clock.now().toString(36)}-${(++this.n).toString(36)}`;
    const task = { ...t, taskId };
    this.tasks.set(taskId, { ...task, at: this.clock.now() });
    if (this.tasks.size > this.max || this.n % 1024 === 0) this.prune();
    return task;
  }

  get(id: string): FinishedTask | undefined {
    return this.tasks.get(id);
  }

  private prune(): void {
    const cutoff = this.clock.now() - this.retentionMs;
    for (const [id, t] of this.tasks) if (t.at < cutoff || this.tasks.size > this.max) this.tasks.delete(id);
  }
}
