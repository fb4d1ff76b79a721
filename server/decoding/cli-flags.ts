import { ValidationError } from '../errors/index';
import type { SolveOptionsInput } from './options';
import { ANSWER_SELECTIONS, PRM_AGGREGATIONS } from './strategies/beam-search';
import { SPECS_FIRST_STEPS } from './strategies/specs';

/** `node:util` parseArgs specs of the search-option flags that `npm run solve` and `npm run bench:decoding` share. */
export const SEARCH_FLAGS = {
  'beam-width': { type: 'string' },
  aggregation: { type: 'string' },
  'answer-selection': { type: 'string' },
  'prune-ratio': { type: 'string' },
  'first-step': { type: 'string' },
  lambda: { type: 'string' },
  theta: { type: 'string' },
  tau: { type: 'string' },
  'selection-temperature': { type: 'string' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
} as const;

/** Usage lines of SEARCH_FLAGS, for the CLIs' --help (allowed values from the option enums). */
export const SEARCH_FLAGS_USAGE = `  --beam-width M --aggregation ${PRM_AGGREGATIONS.join('|')} --answer-selection ${ANSWER_SELECTIONS.join('|')} --prune-ratio R   beam search (default: the tuned ones)
  --first-step ${SPECS_FIRST_STEPS.join('|')} --lambda L --theta X --tau X --selection-temperature T   SPECS (default: the tuned ones)
  --temperature X --top-p P`;

export type SearchFlagValues = { readonly [K in keyof typeof SEARCH_FLAGS]?: string };

/** A numeric flag value; undefined when the flag is absent. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`--${name} must be a number, got ${JSON.stringify(value)}`, name);
  return n;
}

/** The search options given on the command line; absent flags are left out so the defaults apply. */
export function searchOptionsFromFlags(v: SearchFlagValues): Partial<SolveOptionsInput> {
  const options = {
    beamWidth: numberFlag('beam-width', v['beam-width']),
    // Checked against their allowed values by the options schema, which names them.
    prmAggregation: v.aggregation as SolveOptionsInput['prmAggregation'],
    answerSelection: v['answer-selection'] as SolveOptionsInput['answerSelection'],
    pruneRatio: numberFlag('prune-ratio', v['prune-ratio']),
    firstStep: v['first-step'] as SolveOptionsInput['firstStep'],
    lambda: numberFlag('lambda', v.lambda),
    theta: numberFlag('theta', v.theta),
    tau: numberFlag('tau', v.tau),
    selectionTemperature: numberFlag('selection-temperature', v['selection-temperature']),
    temperature: numberFlag('temperature', v.temperature),
    topP: numberFlag('top-p', v['top-p']),
  };
  return Object.fromEntries(Object.entries(options).filter(([, x]) => x !== undefined));
}
