/**
 * Inside the network (issue 12 item 2): for the chosen image — or two side by side, a sweater
 * and a coat — every layer's output as channel maps labelled with its shape, the top-5 classes,
 * and Grad-CAM for the predicted (or a chosen) class on a chosen convolution, over the image.
 * A block shows its output; opening it shows the layers inside.
 */

import { useMemo, useState } from 'react';
import { CLASS_NAMES, INSIGHT_LIMITS, decodeBytes, type Activations, type GradCam, type InsightImage, type LayerActivation, type Prediction } from '../../shared/insight';
import { layerOf } from '../../shared/layers/index';
import { useStore, type Store } from '../store/index';
import type { ChosenImage } from '../store/insight-slice';
import { percent } from './confusion';
import { callActivations, callGradCam } from './engine-calls';
import { ImageCaption, ImageChooser } from './ImageChooser';
import { shapeText } from './layout';
import { PixelImage, Tiles } from './Pixels';
import { useAnswer, type Answer } from './use-answer';

const selectInsight = (s: Store) => s.insight;

/** A block type of the library, or a type no layer module knows (a document's own block or a repeat): it has an inside to open. */
const isBlockType = (type: string): boolean => layerOf(type)?.kind === 'block' || !layerOf(type);

const asRequestImage = (c: ChosenImage): InsightImage => (c.source === 'validation' ? { source: 'validation', index: c.index } : { source: 'pixels', pixels: c.pixels });

function Top5({ top5, label }: { top5: Prediction[]; label: number | null }) {
  return (
    <ol className="top5" data-testid="top5">
      {top5.map((p) => (
        <li key={p.classIndex} className={p.classIndex === label ? 'right' : ''} data-class={p.classIndex} data-p={p.probability}>
          <span className="top5-name">{p.className}</span>
          <span className="top5-bar"><span style={{ width: `${Math.max(1, Math.round(p.probability * 100))}%` }} /></span>
          <span className="top5-p">{percent(p.probability)}</span>
        </li>
      ))}
    </ol>
  );
}

function CamView({ cam, testId }: { cam: GradCam; testId: string }) {
  const image = useMemo(() => decodeBytes(cam.input.pixels), [cam.input.pixels]);
  const heat = useMemo(() => decodeBytes(cam.heat), [cam.heat]);
  const scale = Math.max(1, Math.floor(112 / cam.input.side));
  return (
    <figure className="cam" data-testid={testId} data-layer={cam.layer} data-class={cam.classIndex} data-max={cam.max}>
      <PixelImage bytes={image} heat={heat} width={cam.input.side} height={cam.input.side} scale={scale} />
      <figcaption>
        Grad-CAM for <strong>{cam.className}</strong> ({percent(cam.probability)}) on <code>{cam.layer}</code>, its maps {cam.cam[0]}×{cam.cam[1]}
        {cam.max === 0 && <div className="warn-text">No region of the image speaks for this class at this layer.</div>}
      </figcaption>
    </figure>
  );
}

/** The header of one image's column: what it is, its top-5, its Grad-CAM, and where to choose another. */
function ImageColumn({ slot, chosen, acts, cam }: { slot: 0 | 1; chosen: ChosenImage; acts: Answer<Activations>; cam: Answer<GradCam> }) {
  const a = acts.result?.ok ? acts.result.value : null;
  return (
    <section className={`insight-panel image-col${acts.stale ? ' stale' : ''}`} data-testid={`image-${slot}`}>
      <div className="panel-head">
        <h3>{slot === 0 ? 'Image A' : 'Image B'}</h3>
        {slot === 1 && <button className="link" onClick={() => useStore.getState().setComparing(false)} data-testid="compare-off">remove</button>}
      </div>
      <div className="image-col-body">
        <div className="image-col-left">
          <ImageCaption image={chosen} input={a?.input ?? null} label={a?.label ?? null} />
          <ImageChooser key={slot} slot={slot} current={chosen} />
        </div>
        <div className="image-col-right">
          {a ? <Top5 top5={a.top5} label={a.label} /> : acts.result ? null : <p className="muted">Asking the network…</p>}
          {acts.result && !acts.result.ok && <p className="error-text" data-testid={`acts-error-${slot}`}>{acts.result.error.message}</p>}
          {cam.result?.ok && <CamView cam={cam.result.value} testId={`cam-${slot}`} />}
          {cam.result && !cam.result.ok && <p className="error-text">{cam.result.error.message}</p>}
        </div>
      </div>
    </section>
  );
}

function LayerMaps({ layer, testId, maxWidth }: { layer: LayerActivation; testId: string; maxWidth: number }) {
  const bytes = useMemo(() => decodeBytes(layer.data), [layer.data]);
  const [h, w] = layer.grid;
  const vector = layer.kind === 'vector';
  const describe = (c: number) =>
    vector
      ? `feature ${c}`
      : `channel ${c}: ${layer.min[c]?.toPrecision(3)} (dark) … ${layer.max[c]?.toPrecision(3)} (bright)`;
  return (
    <div className="layer-maps" data-testid={testId} data-channels={layer.channels} data-shown={layer.shown}>
      {vector ? (
        <Tiles bytes={bytes} count={layer.shown} h={1} w={1} map="activation" limits={{ maxWidth, minTile: 9, maxTile: 16, gap: 1 }} describe={describe} testId={`${testId}-tiles`} />
      ) : (
        <Tiles bytes={bytes} count={layer.shown} h={h} w={w} map="activation" limits={{ maxWidth, maxTile: maxWidth < 600 ? 72 : 96 }} describe={describe} testId={`${testId}-tiles`} />
      )}
      {layer.shown < layer.channels && (
        <div className="muted small">
          first {layer.shown} of {layer.channels} {vector ? 'features' : 'channels'}
        </div>
      )}
      {vector && <div className="muted small">range {layer.min[0]?.toPrecision(3)} … {layer.max[0]?.toPrecision(3)}</div>}
    </div>
  );
}

function LayerRows({ lists, open, toggle }: { lists: (Activations | null)[]; open: string | null; toggle(id: string): void }) {
  const first = lists.find((l) => l !== null);
  if (!first) return null;
  const blocks = new Set(first.layers.filter((l) => l.inner).map((l) => l.nodeId));
  // The engine lists a block's inner layers before its output (the order they run in); on
  // screen an opened block's row comes first, its inside indented under it.
  const rows = first.layers.filter((l) => !l.inner).flatMap((l) => [l, ...(open === l.nodeId ? first.layers.filter((x) => x.inner && x.nodeId === l.nodeId) : [])]);
  return (
    <div className="layers" data-testid="layers">
      {rows.map((l) => {
        const isBlock = !l.inner && (blocks.has(l.nodeId) || isBlockType(l.type));
        return (
          <div key={l.path} className={`layer-row${l.inner ? ' inner' : ''}`} data-testid={`layer-${l.path}`} data-shape={l.shape.join(',')}>
            <div className="layer-label">
              <code>{l.path}</code> <span className="layer-type">{l.type}</span>
              <div className="layer-shape">{shapeText(l.shape)}</div>
              {isBlock && (
                <button className="link" onClick={() => toggle(l.nodeId)} data-testid={`open-${l.nodeId}`}>
                  {open === l.nodeId ? 'close block' : 'open block'}
                </button>
              )}
            </div>
            {lists.map((list, i) => {
              const mine = list?.layers.find((x) => x.path === l.path);
              return <div key={i} className="layer-cell">{mine ? <LayerMaps layer={mine} testId={`maps-${i}-${l.path}`} maxWidth={lists.length > 1 ? 470 : 940} /> : <span className="muted">…</span>}</div>;
            })}
          </div>
        );
      })}
    </div>
  );
}

export function InsideSection() {
  const { runId, epoch, images, camClass, camLayer } = useStore(selectInsight);
  // One block open at a time: the engine answers one block's inside (ResNet-18's every inner
  // layer at once would not fit its answer bound), and a student reads one block at a time.
  const [open, setOpen] = useState<string | null>(null);
  const inner = open !== null ? { inner: true, block: open } : {};
  const [a, b] = images;
  const reqA = runId ? { runId, epoch, image: asRequestImage(a), ...inner } : null;
  const reqB = runId && b ? { runId, epoch, image: asRequestImage(b), ...inner } : null;
  const actsA = useAnswer('activations', reqA, callActivations);
  const actsB = useAnswer('activations', reqB, callActivations);
  const camA = useAnswer('gradcam', runId ? { runId, epoch, image: asRequestImage(a), classIndex: camClass, layer: camLayer } : null, callGradCam);
  const camB = useAnswer('gradcam', runId && b ? { runId, epoch, image: asRequestImage(b), classIndex: camClass, layer: camLayer } : null, callGradCam);
  if (!runId) return null;
  const convs = camA.result?.ok ? camA.result.value.layers : [];
  const lists = [actsA.result?.ok ? actsA.result.value : null, ...(b ? [actsB.result?.ok ? actsB.result.value : null] : [])];
  const toggle = (id: string) => setOpen(open === id ? null : id);
  return (
    <div className={`insight-section inside${b ? ' comparing' : ''}`} data-testid="insight-inside">
      <div className="inside-tools">
        <label>
          Grad-CAM class
          <select value={camClass === null ? '' : camClass} data-testid="cam-class" onChange={(e) => useStore.getState().setInsight({ camClass: e.target.value === '' ? null : Number(e.target.value) })}>
            <option value="">the predicted class</option>
            {CLASS_NAMES.map((n, i) => <option key={i} value={i}>{n}</option>)}
          </select>
        </label>
        <label>
          on
          <select value={camLayer ?? ''} data-testid="cam-layer" onChange={(e) => useStore.getState().setInsight({ camLayer: e.target.value === '' ? null : e.target.value })}>
            <option value="">the last convolution{convs.length ? ` (${convs[convs.length - 1]})` : ''}</option>
            {convs.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        {!b && (
          <button onClick={() => useStore.getState().setComparing(true)} data-testid="compare-on" title="d2l 7.6 exercise 4: a sweater's activations beside a coat's">
            Compare with a second image
          </button>
        )}
        <span className="muted small">Each map is scaled to its own range: dark = low, yellow = high. Up to {INSIGHT_LIMITS.channels} channels per layer, each at most {INSIGHT_LIMITS.gridSide}×{INSIGHT_LIMITS.gridSide}.</span>
      </div>
      <div className="image-cols">
        <ImageColumn slot={0} chosen={a} acts={actsA} cam={camA} />
        {b && <ImageColumn slot={1} chosen={b} acts={actsB} cam={camB} />}
      </div>
      <LayerRows lists={lists} open={open} toggle={toggle} />
    </div>
  );
}
