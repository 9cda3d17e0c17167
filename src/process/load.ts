// Loading into a process (placeholder until src/loader lands).
import type { Process, ProcessModule } from './process.ts';

export interface LoadResult {
  module: ProcessModule;
  modules: ProcessModule[];
  notes: string[];
  skippedInitializers: string[];
}

export function loadLibrary(_process: Process, path: string): LoadResult {
  throw new Error(`loader not available yet: ${path}`);
}
