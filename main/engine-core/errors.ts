/** Errors that cross from the engine to its callers as data (code + diagnostics), never as a stack. */

import type { Diagnostic } from '../../shared/graph/types';

export class GraphError extends Error {
  override name = 'GraphError';
  readonly code = 'invalid-graph';
  constructor(readonly diagnostics: Diagnostic[], intro = 'The graph has errors and cannot be trained') {
    super(`${intro}:\n${diagnostics.map((d) => `  - ${d.message}`).join('\n')}`);
  }
}
