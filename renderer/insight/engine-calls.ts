/**
 * The Insight view's Api calls, as stable functions (useAnswer keys its effect on them). Every
 * number the view shows comes through these from the engine service; the page only draws.
 */

import type { ActivationsRequest, FiltersRequest, GradCamRequest, HistogramsRequest, ImagesRequest, RunAt } from '../../shared/insight';
import { host } from '../api/host';

export const callEpochs = (r: { runId: string }) => host().api.insightEpochs(r);
export const callEvaluate = (r: RunAt) => host().api.insightEvaluate(r);
export const callImages = (r: ImagesRequest) => host().api.insightImages(r);
export const callActivations = (r: ActivationsRequest) => host().api.insightActivations(r);
export const callGradCam = (r: GradCamRequest) => host().api.insightGradCam(r);
export const callFilters = (r: FiltersRequest) => host().api.insightFilters(r);
export const callHistograms = (r: HistogramsRequest) => host().api.insightHistograms(r);
export const callRun = (r: { runId: string }) => host().api.getRun(r);
