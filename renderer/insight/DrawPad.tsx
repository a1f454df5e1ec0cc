/**
 * A 28×28 pad to draw a garment on (d2l 7.6 exercise 5: what does the network say about other
 * images?). The student draws light on black, as the data set's images are; each finished stroke
 * hands the picture to the view, so the activations follow the drawing.
 */

import { useEffect, useRef, useState } from 'react';
import { toRgba } from './colormap';
import { PAD_SIDE, paintSegment, toPadPoint, type Point } from './pad';

const SCALE = 8;

export function DrawPad({ initial, onDone }: { initial: Uint8Array | null; onDone(pixels: Uint8Array): void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pixels = useRef<Uint8Array>(initial ? initial.slice() : new Uint8Array(PAD_SIDE * PAD_SIDE));
  const last = useRef<Point | null>(null);
  const [brush, setBrush] = useState(1.4);
  const [erase, setErase] = useState(false);

  const draw = () => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const small = new ImageData(toRgba(pixels.current, 'gray'), PAD_SIDE, PAD_SIDE);
    const off = new OffscreenCanvas(PAD_SIDE, PAD_SIDE);
    off.getContext('2d')!.putImageData(small, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, PAD_SIDE * SCALE, PAD_SIDE * SCALE);
  };
  useEffect(draw, []);

  const at = (e: React.PointerEvent<HTMLCanvasElement>) => toPadPoint(e.clientX, e.clientY, e.currentTarget.getBoundingClientRect());
  const onDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = at(e);
    last.current = p;
    paintSegment(pixels.current, p, p, brush, erase);
    draw();
  };
  const onMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!last.current) return;
    const p = at(e);
    paintSegment(pixels.current, last.current, p, brush, erase);
    last.current = p;
    draw();
  };
  const onUp = () => {
    if (!last.current) return;
    last.current = null;
    onDone(pixels.current.slice());
  };
  const clear = () => {
    pixels.current.fill(0);
    draw();
    onDone(pixels.current.slice());
  };
  return (
    <div className="draw-pad">
      <canvas
        ref={canvas}
        width={PAD_SIDE * SCALE}
        height={PAD_SIDE * SCALE}
        data-testid="draw-pad"
        className="pixels pad-canvas"
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        title="Draw a garment: light on black, as Fashion-MNIST's images are"
      />
      <div className="pad-tools">
        <label>
          Brush
          <select value={brush} onChange={(e) => setBrush(Number(e.target.value))}>
            <option value={0.8}>thin</option>
            <option value={1.4}>medium</option>
            <option value={2.2}>thick</option>
          </select>
        </label>
        <label><input type="checkbox" checked={erase} onChange={(e) => setErase(e.target.checked)} /> erase</label>
        <button onClick={clear} data-testid="pad-clear">Clear</button>
      </div>
    </div>
  );
}
