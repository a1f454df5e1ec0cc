/**
 * When a run has diverged, judged after every batch so a run that blows up stops within one
 * batch of it, not after finishing its epochs with a loss of 1e31.
 *
 * The rule: the batch loss is not finite, or it is more than DIVERGENCE_FACTOR times the run's
 * reference loss. The reference is the loss of the run's very first batch (computed before any
 * update, so it reflects the initial weights and not the learning rate), but never less than
 * ln(classes), the cross-entropy of uniform guessing: a net whose first loss is already low must
 * not be stopped by a later, ordinary wobble. With 10 classes the smallest limit is 23, a
 * probability of e^-23 on the right class on average: confidently wrong on the whole batch.
 * docs/RELIABILITY.md records what healthy d2l runs reach (at most a small multiple of their
 * first loss) against the factor of 10.
 *
 * Pure and host-neutral: the trainer feeds it losses wherever it runs.
 */

export const DIVERGENCE_FACTOR = 10;

export interface Divergence {
  code: 'nan-loss' | 'diverged';
  message: string;
}

export interface DivergenceWatch {
  /** The reference loss (to keep in checkpoints), null before the first batch. */
  readonly reference: number | null;
  /** The loss above which a batch counts as diverged, null before the first batch. */
  readonly limit: number | null;
  /** Feeds one batch's loss; a Divergence when the run must stop. */
  check(loss: number, where: { epoch: number; batch: number }): Divergence | null;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

/** The advice every divergence message ends with: the learning rate, a tenth of it to try. */
export function lowerLrAdvice(lr: number): string {
  return `Lower the learning rate (it is ${lr}; try ${Number((lr / 10).toPrecision(2))}).`;
}

/**
 * @param reference the reference loss kept from an earlier attempt of the run (a resume), or null
 *   to take the first batch's.
 */
export function divergenceWatch(opts: { classes: number; lr: number; reference?: number | null }): DivergenceWatch {
  const floor = Math.log(opts.classes);
  let reference = opts.reference != null && Number.isFinite(opts.reference) && opts.reference > 0 ? opts.reference : null;
  const limit = () => (reference === null ? null : DIVERGENCE_FACTOR * Math.max(reference, floor));
  return {
    get reference() { return reference; },
    get limit() { return limit(); },
    check(loss, { epoch, batch }) {
      const at = `at epoch ${epoch}, batch ${batch}`;
      if (!Number.isFinite(loss)) {
        return { code: 'nan-loss', message: `The loss became ${Number.isNaN(loss) ? 'NaN' : 'infinite'} ${at}: training diverged. ${lowerLrAdvice(opts.lr)}` };
      }
      if (reference === null) {
        reference = loss;
        return null;
      }
      const max = limit()!;
      if (loss > max) {
        const base = reference >= floor ? `its first loss, ${fmt(reference)}` : `the loss of uniform guessing, ${fmt(floor)}`;
        return {
          code: 'diverged',
          message: `The loss rose to ${fmt(loss)} ${at}, over ${DIVERGENCE_FACTOR} times ${base}: training diverged. ${lowerLrAdvice(opts.lr)}`,
        };
      }
      return null;
    },
  };
}
