import cliProgress from 'cli-progress';

const PHASES = ['queued', 'choose', 'candidates', 'write', 'done'];

/** One progress bar per language on stderr, when stderr is a terminal (nothing otherwise). */
export function createProgress(languages: string[]) {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bars = new cliProgress.MultiBar(
    { format: ' {lang} |{bar}| {phase}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const byLang = new Map(
    languages.map((l) => [l, bars.create(PHASES.length - 1, 0, { lang: l.padEnd(10), phase: 'queued' })]),
  );
  return {
    update(language: string, phase: string, detail?: string) {
      byLang
        .get(language)
        ?.update(Math.max(0, PHASES.indexOf(phase)), { phase: detail ? `${phase}: ${detail}` : phase });
    },
    stop: () => bars.stop(),
  };
}
