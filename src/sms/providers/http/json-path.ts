/** The value at a dot path (`result.code`, `messages[0].id`, `$.data.id`) in parsed JSON, or undefined. */

export function isValidJsonPath(path: string): boolean {
  return jsonPathSteps(path).length > 0;
}

function jsonPathSteps(path: string): string[] {
  const trimmed = path.trim().replace(/^\$\.?/, '');
  return trimmed.match(/[^.[\]]+/g) ?? [];
}

export function valueAtJsonPath(json: unknown, path: string): unknown {
  let current: unknown = json;
  for (const step of jsonPathSteps(path)) {
    if (Array.isArray(current) && /^[0-9]+$/.test(step)) current = current[Number(step)];
    else if (typeof current === 'object' && current !== null && Object.hasOwn(current, step)) {
      current = (current as Record<string, unknown>)[step];
    } else return undefined;
  }
  return current;
}
