import type { SolveOptionsInput } from '../../server/decoding/options';
import { ANSWER_SELECTIONS, PRM_AGGREGATIONS } from '../../server/decoding/strategies/beam-search';
import { SPECS_FIRST_STEPS } from '../../server/decoding/strategies/specs';
import { numberArg } from './cli';

/** `node:util` parseArgs specs of the search-option flags that `npm run solve` and `npm run bench:decoding` share. */
export const SEARCH_FLAGS = {
  'beam-width': { type: 'string' },
  aggregation: { type: 'string' },
  'answer-selection': { type: 'string' },
  'prune-ratio': { type: 'string' },
  'likelihood-weight': { type: 'string' },
  'first-step': { type: 'string' },
  lambda: { type: 'string' },
  theta: { type: 'string' },
  tau: { type: 'string' },
  'selection-temperature': { type: 'string' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
} as const;

/** Usage lines of SEARCH_FLAGS, for the CLIs' --help (allowed values from the option enums). */
export const SEARCH_FLAGS_USAGE = `  --beam-width M --aggregation ${PRM_AGGREGATIONS.join('|')} --answer-selection ${ANSWER_SELECTIONS.join('|')} --prune-ratio R --likelihood-weight B   beam search (default: the tuned ones)
  --first-step ${SPECS_FIRST_STEPS.join('|')} --lambda L --theta X --tau X --selection-temperature T   SPECS (default: the tuned ones)
  --temperature X --top-p P`;

export type SearchFlagValues = { readonly [K in keyof typeof SEARCH_FLAGS]?: string };

/** The search options given on the command line; absent flags are left out so the defaults apply. */
export function searchOptionsFromFlags(v: SearchFlagValues): Partial<SolveOptionsInput> {
  const options = {
    beamWidth: numberArg('beam-width', v['beam-width']),
    // Checked against their allowed values by the options schema, which names them.
    prmAggregation: v.aggregation as SolveOptionsInput['prmAggregation'],
    answerSelection: v['answer-selection'] as SolveOptionsInput['answerSelection'],
    pruneRatio: numberArg('prune-ratio', v['prune-ratio']),
    likelihoodWeight: numberArg('likelihood-weight', v['likelihood-weight']),
    firstStep: v['first-step'] as SolveOptionsInput['firstStep'],
    lambda: numberArg('lambda', v.lambda),
    theta: numberArg('theta', v.theta),
    tau: numberArg('tau', v.tau),
    selectionTemperature: numberArg('selection-temperature', v['selection-temperature']),
    temperature: numberArg('temperature', v.temperature),
    topP: numberArg('top-p', v['top-p']),
  };
  return Object.fromEntries(Object.entries(options).filter(([, x]) => x !== undefined));
}
