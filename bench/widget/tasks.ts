/**
 * Where widget.js's main-thread time goes in a trace, computed with Lighthouse's own task code
 * (TraceProcessor + MainThreadTasks, as its `bootup-time` audit does): each task's self time, its
 * task group (Lighthouse's task-groups.js) and the script URL it is attributed to. Lighthouse's
 * "scripting" for a URL is the self time of the URL's tasks in the scriptEvaluation group (wall
 * time, not CPU time) times the CPU multiplier (4 in the mobile preset, simulated throttling).
 */
// Lighthouse's tracehouse is not a public entry point, but it is the code bootup-time runs.
import { MainThreadTasks } from 'lighthouse/core/lib/tracehouse/main-thread-tasks.js';
import { TraceProcessor } from 'lighthouse/core/lib/tracehouse/trace-processor.js';

interface TaskNode {
  event: { name: string; tdur?: number; args: { data?: { functionName?: string; url?: string; type?: string } } };
  children: TaskNode[];
  parent?: TaskNode;
  attributableURLs: string[];
  group: { id: string };
  selfTime: number;
  duration: number;
  startTime: number;
}

export interface WidgetBreakdown {
  /** Unthrottled ms (× 4 gives Lighthouse's figure under its mobile preset). */
  scriptingMs: number;
  /** The same tasks' thread CPU time (tdur, self): what the machine's other load changes far less. */
  scriptingCpuMs: number;
  parseCompileMs: number;
  /** Self time of widget.js tasks by task group (Lighthouse's ids), unthrottled ms. */
  byGroup: Record<string, number>;
  /** Scripting self time by trace event name (EvaluateScript, FunctionCall, TimerFire, ...). */
  byEvent: Record<string, number>;
  /** Scripting per top-level task: what started it (the first event under RunTask) and its ms. */
  byTask: Array<{ atMs: number; what: string; ms: number }>;
}

const add = (rec: Record<string, number>, key: string, ms: number) => {
  rec[key] = (rec[key] ?? 0) + ms;
};

/** The widget's tasks in a trace (Lighthouse's attribution: the first script URL among a task's attributable URLs). */
export function widgetBreakdown(traceEvents: unknown[], match = '/widget.js'): WidgetBreakdown {
  const processed = TraceProcessor.processTrace({ traceEvents } as never);
  const { mainThreadEvents, frames, timestamps } = processed as unknown as {
    mainThreadEvents: unknown[];
    frames: unknown[];
    timestamps: { traceEnd: number; timeOrigin: number };
  };
  const tasks = MainThreadTasks.getMainThreadTasks(mainThreadEvents as never, frames as never, timestamps.traceEnd, timestamps.timeOrigin) as unknown as TaskNode[];
  const out: WidgetBreakdown = { scriptingMs: 0, scriptingCpuMs: 0, parseCompileMs: 0, byGroup: {}, byEvent: {}, byTask: [] };
  const byTop = new Map<TaskNode, number>();
  for (const task of tasks) {
    // Only widget.js is a script on these pages; a URL check stands in for the network records.
    if (!task.attributableURLs.some((u) => u.includes(match))) continue;
    add(out.byGroup, task.group.id, task.selfTime);
    if (task.group.id === 'scriptParseCompile') out.parseCompileMs += task.selfTime;
    if (task.group.id !== 'scriptEvaluation') continue;
    out.scriptingMs += task.selfTime;
    out.scriptingCpuMs += selfCpu(task);
    add(out.byEvent, task.event.name, task.selfTime);
    let top = task;
    while (top.parent) top = top.parent;
    byTop.set(top, (byTop.get(top) ?? 0) + task.selfTime);
  }
  for (const [top, ms] of byTop) out.byTask.push({ atMs: round(top.startTime), what: describe(top), ms: round(ms) });
  out.byTask.sort((a, b) => b.ms - a.ms);
  out.scriptingMs = round(out.scriptingMs);
  out.scriptingCpuMs = round(out.scriptingCpuMs);
  out.parseCompileMs = round(out.parseCompileMs);
  for (const rec of [out.byGroup, out.byEvent]) for (const k of Object.keys(rec)) rec[k] = round(rec[k]!);
  return out;
}

/** Thread CPU ms of a task less its children's (events without tdur count their wall time). */
function selfCpu(task: TaskNode): number {
  const cpu = (t: TaskNode) => (t.event.tdur !== undefined ? t.event.tdur / 1000 : t.duration);
  return Math.max(0, cpu(task) - task.children.reduce((sum, c) => sum + cpu(c), 0));
}

/** "EvaluateScript", "FunctionCall onmessage", "TimerFire", ...: the first named work in a task. */
function describe(task: TaskNode): string {
  let t = task;
  while (t.event.name === 'RunTask' && t.children.length) t = t.children[0]!;
  const d = t.event.args.data;
  return [t.event.name, d?.functionName || d?.type].filter(Boolean).join(' ');
}

const round = (x: number) => Math.round(x * 100) / 100;
