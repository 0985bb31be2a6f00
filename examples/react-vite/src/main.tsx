/// <reference types="access-check/react" />
// The README's React pattern: load and define the element before the first render (so React
// sets `policy` as a property), compile the policy once, read the decision with `decided` (a
// late effect misses nothing) or the event prop.
import init, { compile, define, type AccessCheckElement, type CompiledPolicy, type PolicyDocument, type Report } from 'access-check';
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import scenario from './scenario.json';

function Playground({ policy }: { policy: CompiledPolicy }) {
  const widget = useRef<AccessCheckElement>(null);
  const [outcome, setOutcome] = useState<string>('pending');
  const [events, setEvents] = useState(0);
  useEffect(() => {
    const element = widget.current;
    if (!element) return;
    for (const token of scenario.tokens) element.addToken(token);
    element.decided.then((report: Report) => setOutcome(report.outcome), () => setOutcome('site problem'));
  }, []);
  return (
    <main>
      <access-check
        ref={widget}
        policy={policy}
        tier="frontier"
        lang="es"
        now={scenario.now}
        onaccess-check:decision={() => setEvents((n) => n + 1)}
        onaccess-check:error={(event) => console.error(event.detail.code, event.detail.message)}
      />
      <p id="outcome">{outcome}</p>
      <p id="events">{events}</p>
    </main>
  );
}

await init();
define();
// A JSON import is typed loosely (string[] for kinds): say what it is.
const policy = await compile(scenario.policy as PolicyDocument);
const root = document.getElementById('root');
if (root) createRoot(root).render(<Playground policy={policy} />);
