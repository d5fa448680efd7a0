/**
 * How many states a successful run enters, from the shape of the state machine's definition: the
 * states on the top level's success path (once per run), those of the per-function Map's iteration
 * (once per function) and those of the per-cold-start Map's iteration (once per forced cold start).
 * Step Functions bills standard workflows per state entered, retries included (pricing page); the
 * plan adds CollectReports' retries on top.
 *
 * TRANSITION_SHAPE is what the run plan counts with; test/plan checks it against the shape of the
 * synthesized definition (shapeOfDefinition), so a state added to the construct fails that test
 * until the plan counts it.
 */

export interface TransitionShape {
  /** Prepare, MeasureTargets, Aggregate, Done. */
  perRun: number;
  /** PlanColdStarts, ColdStarts, InvokeWarm, CollectReports, TargetMeasured. */
  perTarget: number;
  /** ForceColdStart, InvokeCold. */
  perColdStart: number;
}

export const TRANSITION_SHAPE: TransitionShape = { perRun: 4, perTarget: 5, perColdStart: 2 };

interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
}
interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
}

/** The states from StartAt along Next (Catch and Retry paths aside), in order. */
function successPath(machine: AslMachine): AslState[] {
  const path: AslState[] = [];
  const seen = new Set<string>();
  let name: string | undefined = machine.StartAt;
  while (name !== undefined) {
    if (seen.has(name)) throw new Error(`state machine definition: ${name} is entered twice on the success path`);
    seen.add(name);
    const state: AslState | undefined = machine.States[name];
    if (!state) throw new Error(`state machine definition: no state ${name}`);
    path.push(state);
    name = state.Type === 'Succeed' || state.Type === 'Fail' || state.End ? undefined : state.Next;
  }
  return path;
}

const mapOf = (states: AslState[]) => {
  const maps = states.filter((s) => s.Type === 'Map');
  if (maps.length !== 1) throw new Error(`state machine definition: expected one Map state on the path, found ${maps.length}`);
  return maps[0].ItemProcessor ?? maps[0].Iterator!;
};

/** The shape of a definition whose top level maps over the functions and, inside, over the cold starts. */
export function shapeOfDefinition(definition: AslMachine): TransitionShape {
  const top = successPath(definition);
  const perTargetStates = successPath(mapOf(top));
  const perColdStartStates = successPath(mapOf(perTargetStates));
  return { perRun: top.length, perTarget: perTargetStates.length, perColdStart: perColdStartStates.length };
}
