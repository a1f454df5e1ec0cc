/**
 * tfjs layer names from node ids: sanitised, an optional suffix, de-duplicated in build order.
 * The compiler (compile.ts) names its layers with it and the compiled native step's lowering
 * (main/engine/backends/native/compiled/lower.ts) replays the same calls, so every parameter of
 * the compiled plan has its tfjs variable's name and checkpoints move between the two.
 */
export class LayerNames {
  private readonly used = new Set<string>();

  name(id: string, suffix?: string): string {
    const base = `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}${suffix ? `_${suffix}` : ''}`;
    let name = /^[A-Za-z]/.test(base) ? base : `n${base}`;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
