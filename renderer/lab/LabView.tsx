/**
 * The Kernel lab, the view beside the canvas: d2l 7.2–7.5 as an interactive bench. Every number
 * in it is computed by ConvStudio's engine through the Api (the engine service on the Node side),
 * so what the student sees is what training computes.
 */

import { useStore } from '../store/index';
import { ChannelsSection } from './ChannelsSection';
import { CorrelateSection } from './CorrelateSection';
import type { LabSection } from './lab-slice';
import { LearnSection } from './LearnSection';
import { PoolSection } from './PoolSection';
import './lab.css';

const SECTIONS: { id: LabSection; label: string; about: string }[] = [
  { id: 'correlate', label: 'Cross-correlation', about: 'd2l 7.2–7.3: corr2d, edges, padding and stride' },
  { id: 'channels', label: 'Channels', about: 'd2l 7.4: several input and output channels, 1×1 convolutions' },
  { id: 'pool', label: 'Pooling', about: 'd2l 7.5: max and average, 2-D and 3-D' },
  { id: 'learn', label: 'Learning a kernel', about: 'd2l 7.2.4: SGD finds the edge kernel from X and Y' },
];

const selectSection = (s: { lab: { section: LabSection } }) => s.lab.section;

export function LabView() {
  const section = useStore(selectSection);
  return (
    <main className="lab" data-testid="lab">
      <nav className="lab-nav" aria-label="Kernel lab sections">
        <h2>Kernel lab</h2>
        {SECTIONS.map((s) => (
          <button key={s.id} className={section === s.id ? 'active' : ''} onClick={() => useStore.getState().setLabSection(s.id)} data-testid={`lab-section-${s.id}`} title={s.about}>
            <span>{s.label}</span>
            <small>{s.about}</small>
          </button>
        ))}
        <p className="muted lab-nav-note">Edit any grid: type a number, or tick Paint and drag. Point at an output cell to see how it was made.</p>
      </nav>
      <div className="lab-main">
        {section === 'correlate' && <CorrelateSection />}
        {section === 'channels' && <ChannelsSection />}
        {section === 'pool' && <PoolSection />}
        {section === 'learn' && <LearnSection />}
      </div>
    </main>
  );
}
