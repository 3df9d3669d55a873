/** One versioned schema step; applied once, in order, inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}
