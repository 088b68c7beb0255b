// Mermaid, loaded from the node's own copy the first time a diagram is drawn (3.5 MB: not on every page).
let loading;
let n = 0;

function load() {
  loading ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/ui/vendor/mermaid.min.js';
    s.onload = () => {
      window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
      resolve(window.mermaid);
    };
    s.onerror = () => reject(new Error('could not load /ui/vendor/mermaid.min.js'));
    document.head.append(s);
  });
  return loading;
}

/** Draws Mermaid source into `box` (Mermaid sanitizes the labels: securityLevel strict). */
export async function drawMermaid(box, source) {
  const mermaid = await load();
  const { svg } = await mermaid.render(`mermaid-${++n}`, source);
  box.innerHTML = svg;
}
