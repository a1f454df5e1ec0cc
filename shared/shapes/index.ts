export { analyzeGraph } from './analyze';
export type { Analysis, AnalyzeOptions, NodeInfo, ReceptiveField } from './analyze';
export * from './arith';
