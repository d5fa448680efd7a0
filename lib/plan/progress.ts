/**
 * Progress of a run with the time left, from its plan, corrected as cold starts complete: the
 * measured time of each completed forced cold start replaces the planned one. What a cold start
 * costs beyond its function's own Init (the configuration update, the round trips) is the same kind
 * of work for every function, so the measured excess over the planned Init carries over to the
 * functions still to come. Pure: fed the states the execution enters, with their times.
 */
import type { RunPlan } from './run-plan';

/** The state names the tracker follows (lib/constructs/benchmark-state-machine.ts, STATE_NAMES; test/plan checks they agree). */
export const TRACKED_STATES = {
  forceColdStart: 'ForceColdStart',
  invokeWarm: 'InvokeWarm',
  collectReports: 'CollectReports',
  aggregate: 'Aggregate',
} as const;

export interface EnteredState {
  state: string;
  /** The function the state works on, where it has one. */
  target?: string;
  /** Epoch ms. */
  at: number;
}

export interface TargetProgress {
  key: string;
  phase: 'waiting' | 'cold' | 'warm' | 'collect' | 'done';
  coldRoundsDone: number;
  coldRounds: number;
  secondsLeft: number;
}

export interface RunProgress {
  targets: TargetProgress[];
  /** The current function, if any. */
  current?: TargetProgress;
  secondsLeft: number;
  /** Measured seconds per forced cold start beyond the planned Init, mean over those completed; undefined before the first. */
  measuredOverheadSeconds?: number;
  plannedSeconds: number;
}

interface Tracked {
  phase: TargetProgress['phase'];
  roundStarts: number[];
  roundSeconds: number[];
  phaseStartedAt?: number;
}

export class ProgressTracker {
  private readonly byKey = new Map<string, Tracked>();
  private aggregateStartedAt?: number;

  constructor(private readonly plan: RunPlan) {
    for (const f of plan.functions) this.byKey.set(f.key, { phase: 'waiting', roundStarts: [], roundSeconds: [] });
  }

  /** Feeds one state the execution entered; states of functions the plan does not know are ignored. */
  entered(e: EnteredState): void {
    if (e.state === TRACKED_STATES.aggregate) {
      for (const t of this.byKey.values()) this.finish(t, e.at);
      this.aggregateStartedAt = e.at;
      return;
    }
    const t = e.target !== undefined ? this.byKey.get(e.target) : undefined;
    if (!t) return;
    // A function starting means every one before it is done (they run one after another).
    if (t.phase === 'waiting') {
      for (const [key, other] of this.byKey) {
        if (key === e.target) break;
        this.finish(other, e.at);
      }
    }
    if (e.state === TRACKED_STATES.forceColdStart) {
      this.endRound(t, e.at);
      t.roundStarts.push(e.at);
    } else if (e.state === TRACKED_STATES.invokeWarm || e.state === TRACKED_STATES.collectReports) {
      this.endRound(t, e.at);
    } else {
      return;
    }
    if (t.phaseStartedAt === undefined || t.phase !== phaseOf(e.state)) t.phaseStartedAt = e.at;
    t.phase = phaseOf(e.state);
  }

  /** A forced cold start in progress ends when the function's next state begins. */
  private endRound(t: Tracked, at: number): void {
    if (t.roundStarts.length > t.roundSeconds.length) t.roundSeconds.push((at - t.roundStarts[t.roundStarts.length - 1]) / 1000);
  }

  private finish(t: Tracked, at: number): void {
    this.endRound(t, at);
    t.phase = 'done';
  }

  /** The time left at `now` (epoch ms). */
  progress(now: number): RunProgress {
    const plan = this.plan;
    // Measured excess of a forced cold start over the planned Init, over every completed one so far.
    let excess = 0;
    let completed = 0;
    for (const f of plan.functions) {
      const t = this.byKey.get(f.key)!;
      for (const s of t.roundSeconds) {
        excess += s - f.initMs.range.typical / 1000;
        completed++;
      }
    }
    const measuredOverheadSeconds = completed > 0 ? excess / completed : undefined;
    const perRound = (f: RunPlan['functions'][number]) =>
      measuredOverheadSeconds === undefined ? f.secondsPerColdStart.typical : Math.max(0, measuredOverheadSeconds) + f.initMs.range.typical / 1000;
    const targets: TargetProgress[] = [];
    let current: TargetProgress | undefined;
    for (const f of plan.functions) {
      const t = this.byKey.get(f.key)!;
      const rest = f.seconds.typical - f.phases.cold.typical - f.phases.warm.typical - f.phases.collect.typical;
      const sinceStart = (t.phaseStartedAt !== undefined ? Math.max(0, now - t.phaseStartedAt) : 0) / 1000;
      let left: number;
      if (t.phase === 'done') left = 0;
      else if (t.phase === 'waiting') {
        // The cold phase's own state (the Map) on top of its rounds.
        const coldFixed = f.phases.cold.typical - f.coldRounds * f.secondsPerColdStart.typical;
        left = coldFixed + f.coldRounds * perRound(f) + f.phases.warm.typical + f.phases.collect.typical + rest;
      }
      else if (t.phase === 'cold') {
        const inRound = t.roundStarts.length > t.roundSeconds.length ? Math.max(0, now - t.roundStarts[t.roundStarts.length - 1]) / 1000 : 0;
        const roundsLeft = f.coldRounds - t.roundSeconds.length;
        left = Math.max(0, roundsLeft * perRound(f) - inRound) + f.phases.warm.typical + f.phases.collect.typical + rest;
      } else if (t.phase === 'warm') left = Math.max(0, f.phases.warm.typical - sinceStart) + f.phases.collect.typical + rest;
      else left = Math.max(0, f.phases.collect.typical - sinceStart) + rest;
      const entry: TargetProgress = { key: f.key, phase: t.phase, coldRoundsDone: t.roundSeconds.length, coldRounds: f.coldRounds, secondsLeft: left };
      if (t.phase !== 'waiting' && t.phase !== 'done') current = entry;
      targets.push(entry);
    }
    const aggregate = plan.steps.find((s) => s.step === 'Aggregate')?.figure.range.typical ?? 0;
    const aggregateLeft = this.aggregateStartedAt !== undefined ? Math.max(0, aggregate - (now - this.aggregateStartedAt) / 1000) : aggregate;
    const out: RunProgress = {
      targets,
      secondsLeft: targets.reduce((a, t) => a + t.secondsLeft, 0) + aggregateLeft,
      plannedSeconds: plan.seconds.typical,
    };
    if (current) out.current = current;
    if (measuredOverheadSeconds !== undefined) out.measuredOverheadSeconds = measuredOverheadSeconds;
    return out;
  }
}

function phaseOf(state: string): TargetProgress['phase'] {
  if (state === TRACKED_STATES.forceColdStart) return 'cold';
  if (state === TRACKED_STATES.invokeWarm) return 'warm';
  return 'collect';
}
