import type { StoreBackend } from '../types';

/**
 * One versioned schema step; applied once, in order, inside a transaction. It has
 * the statements of every backend: a new backend (CONTRIBUTING.md) does not compile
 * until each migration has its statements.
 */
export type Migration = { version: number; name: string } & Record<StoreBackend, string[]>;
