/**
 * npm run models:chart -- [--manifest models/manifest.json] [--out DIR]
 * The shipped models' learning curves from their manifest: greedy accuracy on the first
 * validation problems against training tokens (draft and target), and the PRM's held-out
 * metrics against its tokens; a model trained in two phases (the draft, a PRM member) is drawn
 * as two curves, the second from where the first ended.
 * Writes DIR/learning-curves.svg and DIR/prm-curve.svg
 * (DIR: a scratch folder unless --out is given).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { lineChart } from '../server/analysis/charts/svg-chart';
import { CliError, outputDir, parseCli, runCli } from './lib/cli';

const spec = {
  name: 'models:chart',
  usage: `[--manifest FILE] [--out DIR]
  --manifest  the models' manifest (default models/manifest.json)
  --out       results folder (default: a new scratch folder)`,
  options: { manifest: { type: 'string', default: 'models/manifest.json' }, out: { type: 'string' } },
} as const;

/** The target's greedy-accuracy bar of the decoding regime (issue: target ≥ 80 %). */
const TARGET_BAR = 0.8;

const curvePoint = z.object({ tokens: z.number() }).catchall(z.unknown());
const learningCurve = z.array(curvePoint).optional();
const trainedModel = z
  .object({
    learningCurve,
    // A model continued from committed weights: the tokens those had seen, and (a PRM phase) their own record.
    continuedFrom: z.object({ trainTokens: z.number().nullable() }).nullable().optional(),
    firstPhase: z.object({ learningCurve }).nullable().optional(),
  })
  .passthrough();
type TrainedModel = z.infer<typeof trainedModel>;
const manifestSchema = z.object({
  models: z.record(
    z.string(),
    // The PRM may be a weight average of trained members, each with its own record.
    trainedModel.extend({ soup: z.object({ members: z.record(z.string(), trainedModel) }).optional() }),
  ),
});

const metricPoints = (curve: z.infer<typeof curvePoint>[], metric: string, tokensBefore = 0) =>
  curve.flatMap((p) => (typeof p[metric] === 'number' ? [{ x: (tokensBefore + p.tokens) / 1e6, y: p[metric] as number }] : []));

/** The PRM's trained records: its soup's members, or the PRM itself. */
function prmPhases(prm: z.infer<typeof manifestSchema>['models'][string] | undefined): { name: string; record: TrainedModel }[] {
  if (!prm) return [];
  if (!prm.soup) return [{ name: 'PRM step AUC', record: prm }];
  return Object.entries(prm.soup.members).map(([member, record]) => ({ name: `PRM step AUC (${member})`, record }));
}

/** A record's curve of one metric; a model trained in two phases gets two, the second drawn from where the first ended. */
function phaseSeries(name: string, record: TrainedModel | undefined, metric: string, [firstPhase, secondPhase]: readonly [string, string]) {
  if (!record) return [];
  return [
    ...(record.firstPhase ? [{ name: `${name}, ${firstPhase}`, points: metricPoints(record.firstPhase.learningCurve ?? [], metric) }] : []),
    {
      name: record.firstPhase ? `${name}, ${secondPhase}` : name,
      points: metricPoints(record.learningCurve ?? [], metric, record.continuedFrom?.trainTokens ?? 0),
    },
  ].filter((s) => s.points.length > 0);
}

runCli(spec.name, () => {
  const { values } = parseCli(spec);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(values.manifest, 'utf8'));
  } catch (e) {
    throw new CliError(`--manifest ${values.manifest}: ${(e as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`--manifest ${values.manifest}: not a models manifest (${parsed.error.issues[0]?.message})`);
  const dir = outputDir('models-chart', values.out);

  const lmSeries = ['target', 'draft'].flatMap((name) => phaseSeries(`${name} greedy accuracy`, parsed.data.models[name], 'greedyAccuracy', ['first schedule', 'second schedule']));
  if (lmSeries.length === 0) throw new CliError(`--manifest ${values.manifest}: no learning curves recorded`);
  writeFileSync(
    join(dir, 'learning-curves.svg'),
    `${lineChart({
      title: 'Greedy accuracy on validation problems while training',
      series: lmSeries,
      xLabel: 'training tokens (millions)',
      yLabel: 'greedy accuracy',
      referenceLines: [{ y: TARGET_BAR, label: 'target bar 80 %' }],
    })}\n`,
  );
  const prmSeries = prmPhases(parsed.data.models.prm).flatMap(({ name, record }) => phaseSeries(name, record, 'pooledStepAuc', ['first phase', "second phase (+ the target's slips)"]));
  if (prmSeries.length > 0) {
    writeFileSync(
      join(dir, 'prm-curve.svg'),
      `${lineChart({
        title: 'PRM held-out metrics while training',
        series: prmSeries,
        xLabel: 'training tokens (millions)',
        yLabel: 'AUC',
        // Anchors the axis at chance, so a curve near 1 is not drawn as a steep climb.
        referenceLines: [{ y: 0.5, label: 'chance' }],
      })}\n`,
    );
  }
  process.stderr.write(`wrote ${dir}/learning-curves.svg${prmSeries.length > 0 ? ' and prm-curve.svg' : ''}\n`);
});
