/**
 * What the legacy faces served by ASP.NET (CUSTOMERS, CBSS) tolerate because ASP.NET does: query
 * names in any case. Their clients were written against it and may rely on it.
 */

/**
 * The query with each known name in its documented casing (`customerid=` -> `CUSTOMERId`), as ASP.NET
 * binds them. A name given twice in different cases becomes a list, as a repeated name does, so the
 * schema refuses it rather than one of the two silently winning.
 */
export function canonicalQuery(query: unknown, names: readonly string[]): Record<string, unknown> {
  const canonical: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    const known = names.find((candidate) => candidate.toLowerCase() === name.toLowerCase()) ?? name;
    const before = canonical[known];
    canonical[known] = before === undefined ? value : [before, value].flat();
  }
  return canonical;
}
