/**
 * Where the image the network is asked about comes from: a test-set image (by class and its
 * place among that class, or by index), an uploaded PNG/JPEG, or a drawing. An upload is decoded
 * by the browser and prepared by the shared preprocessing (shared/image-prep.ts: grayscale,
 * resize, invert) — the same steps `convstudio predict` takes — and each step is shown.
 */

import { useState } from 'react';
import { CLASS_NAMES, decodeBytes, encodeBytes } from '../../shared/insight';
import { prepareImage, type InvertChoice, type RawImage } from '../../shared/image-prep';
import { FASHION_MNIST } from '../../shared/training/fashion-mnist';
import { useStore } from '../store/index';
import type { ChosenImage } from '../store/insight-slice';
import { DrawPad } from './DrawPad';
import { callImages } from './engine-calls';
import { PixelImage } from './Pixels';

type Source = 'test' | 'upload' | 'draw';

/** Test images are looked through this many at a time when searching for the n-th of a class. */
const SCAN = 100;

/** The index of the `nth` (1-based) test image of `cls`, or a message. */
async function nthOfClass(cls: number, nth: number): Promise<{ index: number } | { error: string }> {
  let seen = 0;
  for (let from = 0; from < FASHION_MNIST.testSamples; from += SCAN) {
    const indices = Array.from({ length: Math.min(SCAN, FASHION_MNIST.testSamples - from) }, (_, i) => from + i);
    const r = await callImages({ indices });
    if (!r.ok) return { error: r.error.message };
    for (const im of r.value) if (im.label === cls && ++seen === nth) return { index: im.index };
  }
  return { error: `The test set has only ${seen} images of ${CLASS_NAMES[cls]}.` };
}

/** A decoded file → the pixels prepare takes (RGBA from a canvas). */
async function decodeFile(file: File): Promise<RawImage> {
  const bitmap = await createImageBitmap(file);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { width: bitmap.width, height: bitmap.height, data, channels: 4 };
  } finally {
    bitmap.close();
  }
}

function TestPicker({ slot, current }: { slot: 0 | 1; current: ChosenImage }) {
  // A sweater for A and a coat for B, the pair d2l 7.6 exercise 4 compares.
  const [cls, setCls] = useState(slot === 0 ? 2 : 4);
  const [nth, setNth] = useState('1');
  const [index, setIndex] = useState(current.source === 'validation' ? String(current.index) : '0');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const choose = (i: number) => useStore.getState().chooseImage(slot, { source: 'validation', index: i });
  const find = async () => {
    const n = Number(nth);
    if (!Number.isInteger(n) || n < 1) return setError('The place among the class is a whole number from 1.');
    setBusy(true);
    setError(null);
    const r = await nthOfClass(cls, n);
    setBusy(false);
    if ('error' in r) return setError(r.error);
    setIndex(String(r.index));
    choose(r.index);
  };
  const byIndex = () => {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= FASHION_MNIST.testSamples) return setError(`A test image's index is 0–${FASHION_MNIST.testSamples - 1}.`);
    setError(null);
    choose(i);
  };
  return (
    <div className="chooser-body">
      <div className="chooser-line">
        <select value={cls} onChange={(e) => setCls(Number(e.target.value))} data-testid={`pick-class-${slot}`} aria-label="class">
          {CLASS_NAMES.map((n, i) => <option key={i} value={i}>{n}</option>)}
        </select>
        <span>no.</span>
        <input className="num-in" value={nth} onChange={(e) => setNth(e.target.value)} data-testid={`pick-nth-${slot}`} aria-label="which one of the class" />
        <button onClick={() => void find()} disabled={busy} data-testid={`pick-find-${slot}`}>{busy ? 'Looking…' : 'Show'}</button>
      </div>
      <div className="chooser-line">
        <span>or test image</span>
        <input className="num-in" value={index} onChange={(e) => setIndex(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && byIndex()} data-testid={`pick-index-${slot}`} aria-label="test image index" />
        <button onClick={byIndex} data-testid={`pick-go-${slot}`}>Show</button>
      </div>
      {error && <p className="error-text">{error}</p>}
    </div>
  );
}

function UploadPicker({ slot }: { slot: 0 | 1 }) {
  const [raw, setRaw] = useState<{ name: string; image: RawImage; url: string } | null>(null);
  const [invert, setInvert] = useState<InvertChoice>('auto');
  const [error, setError] = useState<string | null>(null);
  const prepare = (r: { name: string; image: RawImage }, inv: InvertChoice) => {
    const p = prepareImage(r.image, inv);
    if (!p.ok) return setError(p.message);
    setError(null);
    useStore.getState().chooseImage(slot, { source: 'pixels', pixels: encodeBytes(p.value.pixels), name: r.name, steps: p.value.steps });
  };
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const image = await decodeFile(file);
      if (raw) URL.revokeObjectURL(raw.url);
      const next = { name: file.name, image, url: URL.createObjectURL(file) };
      setRaw(next);
      prepare(next, invert);
    } catch {
      setError(`${file.name} is not an image the browser can decode. Choose a PNG or JPEG file.`);
    }
  };
  return (
    <div className="chooser-body">
      <div className="chooser-line">
        <input type="file" accept="image/png,image/jpeg" data-testid={`upload-${slot}`} onChange={(e) => void onFile(e.target.files?.[0])} />
      </div>
      <div className="chooser-line">
        <span>Invert</span>
        <select
          value={String(invert)}
          data-testid={`upload-invert-${slot}`}
          onChange={(e) => {
            const v: InvertChoice = e.target.value === 'auto' ? 'auto' : e.target.value === 'true';
            setInvert(v);
            if (raw) prepare(raw, v);
          }}
        >
          <option value="auto">when the background is light</option>
          <option value="true">always</option>
          <option value="false">never</option>
        </select>
      </div>
      {raw && <img src={raw.url} alt={raw.name} className="upload-original" title={`${raw.name}: ${raw.image.width}×${raw.image.height}, as uploaded`} />}
      {error && <p className="error-text" data-testid={`upload-error-${slot}`}>{error}</p>}
    </div>
  );
}

export function ImageChooser({ slot, current }: { slot: 0 | 1; current: ChosenImage }) {
  const [source, setSource] = useState<Source>(current.source === 'pixels' && current.name === 'drawn' ? 'draw' : current.source === 'pixels' ? 'upload' : 'test');
  const drawn = current.source === 'pixels' && current.name === 'drawn' ? decodeBytes(current.pixels) : null;
  return (
    <div className="chooser" data-testid={`chooser-${slot}`}>
      <div className="chooser-tabs" role="tablist">
        {(['test', 'upload', 'draw'] as Source[]).map((s) => (
          <button key={s} role="tab" aria-selected={source === s} className={`chip${source === s ? ' active' : ''}`} onClick={() => setSource(s)} data-testid={`source-${s}-${slot}`}>
            {s === 'test' ? 'Test set' : s === 'upload' ? 'Upload' : 'Draw'}
          </button>
        ))}
      </div>
      {source === 'test' && <TestPicker slot={slot} current={current} />}
      {source === 'upload' && <UploadPicker slot={slot} />}
      {source === 'draw' && <DrawPad initial={drawn} onDone={(px) => useStore.getState().chooseImage(slot, { source: 'pixels', pixels: encodeBytes(px), name: 'drawn', steps: ['drawn on the 28×28 pad, light on black'] })} />}
    </div>
  );
}

/** The chosen image as the network saw it, small, with where it came from and what was done to it. */
export function ImageCaption({ image, input, label }: { image: ChosenImage; input: { side: number; pixels: string } | null; label: number | null }) {
  const bytes = input ? decodeBytes(input.pixels) : null;
  return (
    <div className="image-caption">
      {bytes && input && <PixelImage bytes={bytes} width={input.side} height={input.side} scale={Math.max(2, Math.floor(84 / input.side))} title="The image as the network sees it" />}
      <div>
        <strong>{image.source === 'validation' ? `Test image ${image.index}` : image.name}</strong>
        {label !== null && <div>true class: <strong>{CLASS_NAMES[label]}</strong></div>}
        {image.source === 'pixels' && (
          <ol className="prep-steps" data-testid="prep-steps">
            {image.steps.map((s, i) => <li key={i}>{s}</li>)}
          </ol>
        )}
        {input && input.side !== FASHION_MNIST.side && <div className="muted">resized to {input.side}×{input.side} for the network&apos;s Input</div>}
      </div>
    </div>
  );
}
