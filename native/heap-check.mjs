#!/usr/bin/env node
// The native addon's heap check: every kernel over random geometries (stride, padding, dilation,
// 1-9 channels, odd and even sizes, 1x1 kernels), each result compared with a plain JavaScript
// reference, run under checkers that catch out-of-bounds accesses:
//
//   node native/heap-check.mjs                 the whole matrix (npm run test:native-heap):
//     - valgrind memcheck (oneDNN runs its AVX2 kernels there: valgrind has no AVX-512), which
//       also sees the addon's own loops and the JavaScript-owned arrays;
//     - natively with CONVSTUDIO_NATIVE_GUARD=after and =before (every buffer a oneDNN primitive
//       touches, scratchpads included, against an inaccessible page), for each instruction set
//       oneDNN may pick on a student's machine (ONEDNN_MAX_CPU_ISA=ALL, AVX2, SSE41), 1 and 2
//       threads: JIT code the valgrind run cannot see faults at the first stray byte.
//   node native/heap-check.mjs --worker [--cases N] [--seed S]   one run of the kernels (what
//     each matrix entry executes).
//   node native/heap-check.mjs --compiled PLANS.json [--seed S]   the compiled training step
//     (native/src/compiled/) on the plans scripts/heap-plans.ts lowers: a few steps with SGD
//     (momentum, Nesterov, weight decay) and Adam at two batch sizes, evaluation, and parameters
//     and optimizer slots read and written back; every loss and logit must be finite. The
//     matrix runs it under valgrind and with each instruction set, 1 and 2 threads.
//
// Exit status 0 when every run is clean; otherwise the failing runs are named with their output.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ADDON = process.env.CONVSTUDIO_NATIVE_ADDON || path.join(here, 'build', 'Release', 'convstudio_native.node');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// ---------------------------------------------------------------------------------------------
// Worker: random kernels against references.

function lcg(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    data: (n) => Float32Array.from({ length: n }, () => next() * 2 - 1),
  };
}

function worst(got, want) {
  let scale = 1;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i] - want[i]) / scale);
  return w;
}

// Conv geometry as the addon takes it (tfjs's computeConv2DInfo): NHWC activations, HWIO filters.
function randomConv(r) {
  for (;;) {
    const n = r.int(1, 3), ic = r.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17]), oc = r.pick([1, 2, 3, 5, 6, 8, 9, 16]);
    const kh = r.pick([1, 1, 2, 3, 5]), kw = r.next() < 0.7 ? kh : r.int(1, 4);
    const sh = r.int(1, 3), sw = r.next() < 0.7 ? sh : r.int(1, 3);
    const dil = r.next() < 0.2 ? 2 : 1;
    const ih = r.int(1, 14), iw = r.next() < 0.5 ? ih : r.int(1, 14);
    const ekh = (kh - 1) * dil + 1, ekw = (kw - 1) * dil + 1;
    const pt = r.int(0, Math.min(2, kh - 1)), pb = r.int(0, Math.min(2, kh - 1));
    const pl = r.int(0, Math.min(2, kw - 1)), pr = r.int(0, Math.min(2, kw - 1));
    const oh = Math.floor((ih + pt + pb - ekh) / sh) + 1, ow = Math.floor((iw + pl + pr - ekw) / sw) + 1;
    if (oh < 1 || ow < 1) continue;
    return { n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh: dil, dw: dil, pt, pl, pb, pr };
  }
}

const convGeom = (g) => Int32Array.from([g.n, g.ih, g.iw, g.ic, g.oh, g.ow, g.oc, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.pb, g.pr]);

function convRef(g, x, w, b, act) {
  const y = new Float64Array(g.n * g.oh * g.ow * g.oc);
  for (let n = 0; n < g.n; n++) for (let i = 0; i < g.oh; i++) for (let j = 0; j < g.ow; j++) for (let o = 0; o < g.oc; o++) {
    let s = b ? b[o] : 0;
    for (let p = 0; p < g.kh; p++) for (let q = 0; q < g.kw; q++) {
      const yi = i * g.sh - g.pt + p * g.dh, xj = j * g.sw - g.pl + q * g.dw;
      if (yi < 0 || yi >= g.ih || xj < 0 || xj >= g.iw) continue;
      for (let c = 0; c < g.ic; c++) s += x[((n * g.ih + yi) * g.iw + xj) * g.ic + c] * w[((p * g.kw + q) * g.ic + c) * g.oc + o];
    }
    y[((n * g.oh + i) * g.ow + j) * g.oc + o] = act === 1 ? Math.max(0, s) : act === 2 ? 1 / (1 + Math.exp(-s)) : s;
  }
  return y;
}

function convGradsRef(g, x, w, dy) {
  const dx = new Float64Array(g.n * g.ih * g.iw * g.ic), dw = new Float64Array(g.kh * g.kw * g.ic * g.oc);
  for (let n = 0; n < g.n; n++) for (let i = 0; i < g.oh; i++) for (let j = 0; j < g.ow; j++) for (let o = 0; o < g.oc; o++) {
    const d = dy[((n * g.oh + i) * g.ow + j) * g.oc + o];
    for (let p = 0; p < g.kh; p++) for (let q = 0; q < g.kw; q++) {
      const yi = i * g.sh - g.pt + p * g.dh, xj = j * g.sw - g.pl + q * g.dw;
      if (yi < 0 || yi >= g.ih || xj < 0 || xj >= g.iw) continue;
      for (let c = 0; c < g.ic; c++) {
        const xi = ((n * g.ih + yi) * g.iw + xj) * g.ic + c, wi = ((p * g.kw + q) * g.ic + c) * g.oc + o;
        dx[xi] += d * w[wi];
        dw[wi] += d * x[xi];
      }
    }
  }
  return { dx, dw };
}

function randomPool(r) {
  for (;;) {
    const n = r.int(1, 3), c = r.pick([1, 2, 3, 5, 6, 8, 9, 16]);
    const kh = r.int(1, 4), kw = r.next() < 0.7 ? kh : r.int(1, 4);
    const sh = r.int(1, 3), sw = r.int(1, 3);
    const ih = r.int(1, 13), iw = r.int(1, 13);
    const pt = r.int(0, Math.floor(kh / 2)), pl = r.int(0, Math.floor(kw / 2));
    const oh = Math.floor((ih + 2 * pt - kh) / sh) + 1, ow = Math.floor((iw + 2 * pl - kw) / sw) + 1;
    if (oh < 1 || ow < 1) continue;
    return { n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl };
  }
}

const poolGeom = (g) => Int32Array.from([g.n, g.ih, g.iw, g.c, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl]);

// tfjs cpu's pooling: averages over the in-bounds part of a window; the first strict maximum wins.
function poolRef(g, x, dy) {
  const y = { avg: new Float64Array(g.n * g.oh * g.ow * g.c), max: new Float64Array(g.n * g.oh * g.ow * g.c) };
  const dx = { avg: new Float64Array(x.length), max: new Float64Array(x.length) };
  for (let n = 0; n < g.n; n++) for (let i = 0; i < g.oh; i++) for (let j = 0; j < g.ow; j++) for (let c = 0; c < g.c; c++) {
    const r0 = Math.max(0, i * g.sh - g.pt), r1 = Math.min(g.ih, i * g.sh - g.pt + g.kh);
    const c0 = Math.max(0, j * g.sw - g.pl), c1 = Math.min(g.iw, j * g.sw - g.pl + g.kw);
    const o = ((n * g.oh + i) * g.ow + j) * g.c + c;
    let sum = 0, best = -Infinity, at = -1;
    for (let p = r0; p < r1; p++) for (let q = c0; q < c1; q++) {
      const k = ((n * g.ih + p) * g.iw + q) * g.c + c;
      sum += x[k];
      if (x[k] > best) { best = x[k]; at = k; }
      dx.avg[k] += dy[o] / (g.kh * g.kw);
    }
    y.avg[o] = sum / ((r1 - r0) * (c1 - c0));
    y.max[o] = best;
    if (at >= 0) dx.max[at] += dy[o];
  }
  return { y, dx };
}

function matmulRef(ba, bb, M, N, K, ta, tb, a, b, bias, act) {
  const batch = Math.max(ba, bb), c = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = bias ? bias[j] : 0;
    for (let k = 0; k < K; k++) {
      const av = a[(ba === 1 ? 0 : t) * M * K + (ta ? k * M + i : i * K + k)];
      const bv = b[(bb === 1 ? 0 : t) * K * N + (tb ? j * K + k : k * N + j)];
      s += av * bv;
    }
    c[(t * M + i) * N + j] = act === 1 ? Math.max(0, s) : act === 2 ? 1 / (1 + Math.exp(-s)) : s;
  }
  return c;
}

function worker() {
  const require = createRequire(import.meta.url);
  const addon = require(ADDON);
  const cases = Number(arg('cases', '60'));
  const r = lcg(Number(arg('seed', '1')));
  const failures = [];
  const check = (what, got, want, tol = 2e-5) => {
    const e = worst(got, want);
    if (!(e <= tol)) failures.push(`${what}: off by ${e.toExponential(2)} (tolerance ${tol})`);
  };
  let convs = 0;
  for (let k = 0; k < cases; k++) {
    const g = randomConv(r);
    const title = `conv ${JSON.stringify(g)}`;
    const x = r.data(g.n * g.ih * g.iw * g.ic), w = r.data(g.kh * g.kw * g.ic * g.oc), b = r.next() < 0.5 ? r.data(g.oc) : null;
    const act = r.int(0, 2);
    const y = new Float32Array(g.n * g.oh * g.ow * g.oc);
    addon.conv2dForward(x, w, b, y, convGeom(g), act);
    check(`${title} forward`, y, convRef(g, x, w, b, act));
    const dy = r.data(y.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
    addon.conv2dBackpropInput(dy, w, dx, convGeom(g));
    addon.conv2dBackpropFilter(x, dy, dw, convGeom(g));
    const ref = convGradsRef(g, x, w, dy);
    check(`${title} input gradient`, dx, ref.dx);
    check(`${title} filter gradient`, dw, ref.dw);
    const impl = addon.convImplementations(convGeom(g));
    if (/^jit_1x1/.test(impl.backwardWeights) && g.ic < 16 && ((g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.ih - g.pt < 0 || (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.iw - g.pl < 0)) {
      failures.push(`${title}: backward weights uses ${impl.backwardWeights}, which corrupts the heap for this geometry`);
    }
    convs++;
  }
  let pools = 0;
  for (let k = 0; k < Math.ceil(cases / 2); k++) {
    const g = randomPool(r);
    const title = `pool ${JSON.stringify(g)}`;
    const x = r.data(g.n * g.ih * g.iw * g.c), dy = r.data(g.n * g.oh * g.ow * g.c);
    const ref = poolRef(g, x, dy);
    for (const kind of ['avg', 'max']) {
      const y = new Float32Array(dy.length), dx = new Float32Array(x.length);
      addon[`${kind}Pool`](x, y, poolGeom(g));
      if (kind === 'avg') addon.avgPoolGrad(dy, dx, poolGeom(g));
      else addon.maxPoolGrad(dy, x, dx, poolGeom(g));
      check(`${title} ${kind} forward`, y, ref.y[kind]);
      check(`${title} ${kind} gradient`, dx, ref.dx[kind]);
    }
    pools++;
  }
  let matmuls = 0;
  for (let k = 0; k < Math.ceil(cases / 2); k++) {
    const ba = r.pick([1, 1, 2, 3]), bb = r.next() < 0.5 ? ba : 1;
    const M = r.int(1, 9), N = r.int(1, 17), K = r.int(1, 17), ta = r.int(0, 1), tb = r.int(0, 1);
    const a = r.data(ba * M * K), b = r.data(bb * K * N), bias = r.next() < 0.5 ? r.data(N) : null, act = r.int(0, 2);
    const c = new Float32Array(Math.max(ba, bb) * M * N);
    addon.matMul(a, b, c, bias, Int32Array.from([ba, bb, M, N, K, ta, tb]), act);
    check(`matmul ${JSON.stringify({ ba, bb, M, N, K, ta, tb, bias: !!bias, act })}`, c, matmulRef(ba, bb, M, N, K, ta, tb, a, b, bias, act));
    matmuls++;
  }
  // The memory-bound kernels over odd lengths (vector loop tails) and small channel counts.
  let elementwise = 0;
  for (let k = 0; k < Math.ceil(cases / 4); k++) {
    const m = r.pick([1, 3, 6, 16, 17]), n = m * r.int(1, 700);
    const a = r.data(n), bvec = r.data(m), y = new Float32Array(n), dy = r.data(n);
    addon.binary(a, bvec, y, 0);
    check(`binary add n ${n} m ${m}`, y, Float64Array.from(a, (v, i) => v + bvec[i % m]));
    addon.unary(a, y, 0);
    check(`sigmoid n ${n}`, y, Float64Array.from(a, (v) => 1 / (1 + Math.exp(-v))), 1e-6);
    addon.sqDiffGrad(dy, a, bvec, y);
    check(`sqDiffGrad n ${n} m ${m}`, y, Float64Array.from(a, (v, i) => dy[i] * 2 * (v - bvec[i % m])));
    const sums = new Float32Array(m);
    addon.sumRows(a, sums);
    const want = new Float64Array(m);
    a.forEach((v, i) => { want[i % m] += v; });
    check(`sumRows n ${n} m ${m}`, sums, want, 1e-5);
    const mean = r.data(m), variance = Float32Array.from(r.data(m), (v) => v * v + 0.1), offset = r.data(m), scale = r.data(m);
    addon.batchNorm(a, mean, variance, offset, scale, 1e-3, y);
    check(`batchNorm n ${n} m ${m}`, y, Float64Array.from(a, (v, i) => offset[i % m] + ((v - mean[i % m]) * scale[i % m]) / Math.sqrt(variance[i % m] + 1e-3)), 1e-5);
    const dmean = new Float32Array(m), dvar = new Float32Array(m), dscale = new Float32Array(m), doff = new Float32Array(m);
    addon.batchNormGrad(dy, a, mean, variance, scale, 1e-3, y, dmean, dvar, dscale, doff);
    const wantOff = new Float64Array(m);
    dy.forEach((v, i) => { wantOff[i % m] += v; });
    check(`batchNormGrad n ${n} m ${m}`, doff, wantOff, 1e-5);
    const rows = n / m, xs = Int32Array.from([rows, m]);
    const t = new Float32Array(n);
    addon.transpose(a, xs, Int32Array.from([1, 0]), t);
    check(`transpose ${rows}x${m}`, t, Float64Array.from({ length: n }, (_, i) => a[(i % rows) * m + Math.floor(i / rows)]), 0);
    const padded = new Float32Array((rows + 2) * (m + 1));
    addon.pad(a, xs, Int32Array.from([1, 1]), padded, Int32Array.from([rows + 2, m + 1]), -1);
    const back = new Float32Array(n);
    addon.slice(padded, Int32Array.from([rows + 2, m + 1]), Int32Array.from([1, 1]), back, xs);
    check(`pad then slice ${rows}x${m}`, back, a, 0);
    const tiled = new Float32Array(n * 2);
    addon.tile(a, xs, tiled, Int32Array.from([rows * 2, m]));
    check(`tile ${rows}x${m}`, tiled, Float64Array.from({ length: 2 * n }, (_, i) => a[i % n]), 0);
    elementwise++;
  }
  const summary = `${convs} convolutions (forward, both gradients), ${pools} poolings (avg and max, both ways), ${matmuls} matmuls, ${elementwise} element-wise batches`;
  if (failures.length) {
    console.error(`heap-check worker: ${failures.length} wrong results:\n  ${failures.slice(0, 20).join('\n  ')}`);
    process.exit(1);
  }
  console.log(`heap-check worker: ${summary}: all match the references`);
}

// ---------------------------------------------------------------------------------------------
// The compiled step on lowered plans.

const OPTIMIZERS = [
  { kind: 'sgd', momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 5e-4 },
  { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
];

function compiledWorker(file) {
  const require = createRequire(import.meta.url);
  const addon = require(ADDON);
  if (typeof addon.CompiledNet !== 'function') {
    console.error('heap-check compiled: the addon has no CompiledNet (rebuild it: npm run build:native)');
    process.exit(1);
  }
  const plans = JSON.parse(readFileSync(file, 'utf8'));
  const r = lcg(Number(arg('seed', '1')));
  const failures = [];
  const finite = (what, xs) => { if (!Array.from(xs).every(Number.isFinite)) failures.push(`${what}: not finite`); };
  let steps = 0;
  for (const { name, plan } of plans) {
    const perSample = plan.tensors[plan.input].reduce((a, b) => a * b, 1);
    const classes = plan.tensors[plan.output][0];
    for (const optimizer of OPTIMIZERS) {
      const net = new addon.CompiledNet(plan, { threads: Number(process.env.OMP_NUM_THREADS ?? 2), seed: r.int(0, 1000) });
      try {
        net.setOptimizer(optimizer);
        // Two batch sizes: the second step re-plans every buffer for fewer samples, the third back.
        for (const n of [3, 2, 3]) {
          const x = r.data(n * perSample), labels = Int32Array.from({ length: n }, () => r.int(0, classes - 1));
          const logits = new Float32Array(n * classes);
          const loss = net.step(x, labels, 0.01, logits);
          finite(`${name} ${optimizer.kind} step loss`, [loss]);
          finite(`${name} ${optimizer.kind} step logits`, logits);
          steps++;
        }
        const x = r.data(2 * perSample), logits = new Float32Array(2 * classes);
        net.evaluate(x, logits);
        finite(`${name} ${optimizer.kind} evaluation`, logits);
        for (const p of net.params()) {
          const v = net.getParam(p.name);
          finite(`${name} ${p.name}`, v);
          net.setParam(p.name, v);
          if (p.slotsLive) net.setParam(p.name, net.getParam(p.name, 0), 0);
        }
        net.info();
      } catch (err) {
        failures.push(`${name} ${optimizer.kind}: ${err.message}`);
      } finally {
        net.dispose();
      }
    }
  }
  if (failures.length) {
    console.error(`heap-check compiled: ${failures.length} problems:\n  ${failures.slice(0, 20).join('\n  ')}`);
    process.exit(1);
  }
  console.log(`heap-check compiled: ${plans.length} networks × ${OPTIMIZERS.length} optimizers, ${steps} steps at batches 3 and 2, evaluation and parameter round trips: all finite`);
}

// ---------------------------------------------------------------------------------------------
// Driver: the matrix of checkers.

function driver() {
  if (!existsSync(ADDON)) {
    console.log(`heap-check: skipped: the native addon is not built (${ADDON}; run npm run build:native)`);
    return 0;
  }
  const self = fileURLToPath(import.meta.url);
  const cases = arg('cases', null);
  const quick = process.argv.includes('--quick');
  const runs = [];
  // The compiled step's plans, lowered by the TypeScript compiler the trainer uses.
  const plansFile = path.join(mkdtempSync(path.join(tmpdir(), 'cs-heap-plans-')), 'plans.json');
  const tsx = path.join(here, '..', 'node_modules', '.bin', 'tsx');
  const lowered = spawnSync(tsx, [path.join(here, '..', 'scripts', 'heap-plans.ts'), plansFile], { encoding: 'utf8' });
  const compiled = lowered.status === 0 && existsSync(plansFile);
  if (!compiled) console.log(`heap-check: the compiled step is not checked: its plans could not be lowered (${(lowered.stderr || lowered.error?.message || '').trim().split('\n').pop()})`);
  const valgrind = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (valgrind.status === 0) {
    runs.push({
      name: `valgrind memcheck (${valgrind.stdout.trim()}), AVX2 kernels, 2 threads`,
      cmd: 'valgrind',
      // Only addressability errors: V8 and libgomp trip memcheck's definedness tracking. Passive
      // OpenMP waiting, because valgrind runs one thread at a time and spinning starves the other.
      args: ['--error-exitcode=99', '--undef-value-errors=no', '--leak-check=no', '-q', process.execPath, self, '--worker', '--cases', cases ?? (quick ? '12' : '40'), '--seed', '7'],
      env: { OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'passive' },
      timeoutMs: 15 * 60_000,
    });
    if (compiled) {
      runs.push({
        name: `valgrind memcheck, the compiled step, AVX2 kernels, 2 threads`,
        cmd: 'valgrind',
        args: ['--error-exitcode=99', '--undef-value-errors=no', '--leak-check=no', '-q', process.execPath, self, '--compiled', plansFile, '--seed', '7'],
        env: { OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'passive' },
        timeoutMs: 15 * 60_000,
      });
    }
  } else {
    console.log('heap-check: valgrind is not installed (apt-get install -y valgrind): only the guard-page runs');
  }
  const isas = quick ? ['ALL', 'AVX2'] : ['ALL', 'AVX2', 'SSE41'];
  for (const isa of isas) {
    for (const guard of ['after', 'before']) {
      for (const threads of quick ? ['1'] : ['1', '2']) {
        runs.push({
          name: `guard pages ${guard}, ONEDNN_MAX_CPU_ISA=${isa}, ${threads} thread${threads === '1' ? '' : 's'}`,
          cmd: process.execPath,
          args: [self, '--worker', '--cases', cases ?? (quick ? '40' : '150'), '--seed', String(isas.indexOf(isa) * 10 + Number(threads) + (guard === 'after' ? 0 : 100))],
          env: { CONVSTUDIO_NATIVE_GUARD: guard, ONEDNN_MAX_CPU_ISA: isa, OMP_NUM_THREADS: threads },
          timeoutMs: 5 * 60_000,
        });
      }
    }
    // The compiled step's own buffers live in its arena, not behind guard pages: each instruction
    // set's JIT kernels on its plans, for wrong results or a crash.
    if (compiled) {
      for (const threads of quick ? ['2'] : ['1', '2']) {
        runs.push({
          name: `the compiled step, ONEDNN_MAX_CPU_ISA=${isa}, ${threads} thread${threads === '1' ? '' : 's'}`,
          cmd: process.execPath,
          args: [self, '--compiled', plansFile, '--seed', String(isas.indexOf(isa) + Number(threads) * 10)],
          env: { ONEDNN_MAX_CPU_ISA: isa, OMP_NUM_THREADS: threads },
          timeoutMs: 5 * 60_000,
        });
      }
    }
  }
  let failed = 0;
  for (const run of runs) {
    const t0 = Date.now();
    // A broken kernel can also spin forever instead of faulting (seen with jit_1x1), hence the limit.
    const r = spawnSync(run.cmd, run.args, { encoding: 'utf8', env: { ...process.env, ...run.env }, maxBuffer: 64 << 20, timeout: run.timeoutMs, killSignal: 'SIGKILL' });
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    const ok = r.status === 0;
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    console.log(`heap-check: ${ok ? 'ok    ' : 'FAILED'} ${run.name} (${secs} s)${ok ? `: ${out.split('\n').pop()}` : ''}`);
    if (!ok) {
      failed++;
      const why = r.error?.code === 'ETIMEDOUT' ? `no result after ${run.timeoutMs / 1000} s (hung)` : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
      console.log(`  ${why}; output:\n    ${out.split('\n').slice(-40).join('\n    ')}`);
    }
  }
  rmSync(path.dirname(plansFile), { recursive: true, force: true });
  console.log(failed ? `heap-check: ${failed} of ${runs.length} runs failed` : `heap-check: all ${runs.length} runs clean`);
  return failed ? 1 : 0;
}

if (process.argv.includes('--worker')) worker();
else if (process.argv.includes('--compiled')) compiledWorker(arg('compiled'));
else process.exitCode = driver();
