/**
 * Masks for captured contexts (issue 13): `serve --mask owner.email` removes that field
 * from every context before the decision log stores or prints it anywhere. A path is
 * dotted keys; where it meets an array it applies to every element, so `items.sku`
 * removes `sku` from each object of `items` (the shape a JSON body usually has).
 * A segment never indexes into an array: masking "the second item only" is not a
 * thing anyone needs, and `items.0.sku` would otherwise silently mean two things.
 */

/** A mask path as parsed: its keys in order. */
export type MaskPath = readonly string[];

/** A flag value that is not a usable path; its message is one line for `exit 2`. */
export class MaskPathError extends Error {
  override name = 'MaskPathError';
}

/**
 * Parses `--mask` values. Refused: empty, a leading/trailing/double dot, a key made
 * of blanks, control characters. Anything else is a key as written in the JSON body
 * (case-sensitive; quoting is not needed since a JSON key can hold any character
 * but a dot is the separator).
 */
export function parseMaskPaths(values: readonly string[]): MaskPath[] {
  return values.map((value) => {
    const shown = JSON.stringify(value);
    if (value.trim() === '') throw new MaskPathError(`--mask needs a dotted path into the context (like owner.email), got ${shown}`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new MaskPathError(`--mask ${shown}: a path cannot hold control characters`);
    const keys = value.split('.');
    if (keys.some((k) => k.trim() === '')) throw new MaskPathError(`--mask ${shown}: every part between dots must be a key (no empty parts, leading, trailing or double dots)`);
    return keys;
  });
}

/**
 * The context with every masked field removed. The original is never changed (it may
 * still be in use by the engine); only the objects along a masked path are copied,
 * so a context no mask touches is returned as is.
 */
export function maskContext(context: unknown, masks: readonly MaskPath[]): unknown {
  let out = context;
  for (const path of masks) out = without(out, path, 0);
  return out;
}

function without(value: unknown, path: MaskPath, at: number): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = without(value[i], path, at);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const key = path[at] as string;
  if (!Object.prototype.hasOwnProperty.call(value, key)) return value;
  const record = value as Record<string, unknown>;
  if (at === path.length - 1) {
    const copy = { ...record };
    delete copy[key];
    return copy;
  }
  const inner = without(record[key], path, at + 1);
  return inner === record[key] ? value : { ...record, [key]: inner };
}
