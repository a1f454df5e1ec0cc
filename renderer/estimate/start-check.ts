/**
 * Whether Start can start, said before it is pressed: the graph's errors, each training setting
 * against the settings table, what training on Fashion-MNIST needs (the plan's readiness check)
 * and whether the memory estimate fits this machine and backend — the same checks, in the same
 * order, as the plan the Node side runs at Start (shared/training/plan.ts), so a Start the panel
 * allows is not refused by a toast after.
 */

import type { Diagnostic } from '../../shared/graph/types';
import type { Analysis } from '../../shared/shapes/index';
import { estimateMemory, memoryDiagnostics, memoryLimitFor, type MemoryEstimate, type MemoryLimit } from '../../shared/shapes/memory';
import { resolvedBackend, type EstimateBasis } from '../../shared/training/estimate';
import { optimizerProblems, trainingReadiness } from '../../shared/training/plan';
import { SETTINGS, SETTING_KEYS, applicableConfig, settingProblem, type SettingKey, type TrainConfig } from '../../shared/training/settings';

export interface StartCheck {
  /** What the Problems list adds to the shape engine's: readiness, then memory. */
  trainingProblems: Diagnostic[];
  /** Each setting's problem, named by its panel label, for the message beside its field. */
  settings: Partial<Record<SettingKey, string>>;
  /** Why Start is disabled, in one sentence; null when it may start. */
  reason: string | null;
  /** The estimate at the config's batch size, when the batch size is one training accepts. */
  memory: MemoryEstimate | null;
  /** The memory the run may use here; null until the host has said how much the machine has. */
  limit: MemoryLimit | null;
  backend: string;
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function startCheck(analysis: Analysis, typed: TrainConfig, basis: EstimateBasis | null): StartCheck {
  // What Start sends: a field greyed out by another's value (momentum under Adam) is not checked.
  const config = applicableConfig(typed);
  const settings: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    const problem = settingProblem(SETTINGS[key], config[key], SETTINGS[key].label, 'empty');
    if (problem) settings[key] = capitalised(problem);
  }
  // Settings each valid but not together (Nesterov without momentum), as the plan refuses them.
  if (!settings.momentum && !settings.nesterov) {
    for (const [key, problem] of Object.entries(optimizerProblems(config)) as [SettingKey, string][]) settings[key] = capitalised(problem);
  }
  const backend = resolvedBackend(config, basis);
  const limit = basis ? memoryLimitFor(backend, basis.totalBytes) : null;
  const graphErrors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  // Readiness and memory need shapes: on a graph with errors they would only repeat them.
  const readiness = graphErrors === 0 && analysis.ok ? trainingReadiness(analysis, { resize: settings.resize ? null : config.resize }) : [];
  const memory = graphErrors === 0 && analysis.ok && !settings.batchSize ? estimateMemory(analysis, { batch: config.batchSize }) : null;
  const memoryProblems = memory ? memoryDiagnostics(memory, { limit, overLimit: 'error' }) : [];
  const trainingProblems = [...readiness, ...memoryProblems];

  let reason: string | null = null;
  if (!analysis.ok || graphErrors > 0) reason = `The graph has ${graphErrors || 'unresolved'} error${graphErrors === 1 ? '' : 's'}: fix ${graphErrors === 1 ? 'it' : 'them'} first (see Problems).`;
  else if (Object.keys(settings).length) reason = Object.values(settings)[0]!;
  else if (readiness.length) reason = readiness[0].message;
  else if (memoryProblems.length) reason = memoryProblems[0].message;
  return { trainingProblems, settings, reason, memory, limit, backend };
}
