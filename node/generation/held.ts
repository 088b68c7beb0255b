/**
 * Registries a render process keeps between tasks (least recently used out). Its own module: the
 * node's side (pool.ts) must not import render-process.ts, whose top level answers IPC messages in
 * whatever process loads it.
 */
export const HELD_REGISTRIES = 4;
