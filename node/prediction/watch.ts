import { type FSWatcher, watch } from 'node:fs';

/**
 * Folders watched for changes (recursively), a callback per folder after it has been quiet for
 * `debounceMs`. At most `max` folders: the least recently used is dropped first. A folder that
 * cannot be watched (gone, too many watches) is skipped: prediction is a convenience, never an error.
 */
export function createFolderWatch(onChange: (dir: string) => void, debounceMs: number, max: number) {
  const watched = new Map<string, { watcher: FSWatcher; timer?: NodeJS.Timeout }>();
  const close = (dir: string) => {
    const w = watched.get(dir);
    if (!w) return;
    clearTimeout(w.timer);
    w.watcher.close();
    watched.delete(dir);
  };
  return {
    add(dir: string) {
      const held = watched.get(dir);
      if (held) {
        // most recently used last
        watched.delete(dir);
        watched.set(dir, held);
        return;
      }
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { recursive: true, persistent: false });
      } catch {
        return;
      }
      const entry: { watcher: FSWatcher; timer?: NodeJS.Timeout } = { watcher };
      watcher.on('change', () => {
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => onChange(dir), debounceMs);
        entry.timer.unref();
      });
      watcher.on('error', () => close(dir));
      watched.set(dir, entry);
      while (watched.size > max) close(watched.keys().next().value as string);
    },
    size: () => watched.size,
    closeAll() {
      for (const dir of [...watched.keys()]) close(dir);
    },
  };
}
