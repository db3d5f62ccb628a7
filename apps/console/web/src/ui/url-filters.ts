import { useSearchParams } from 'react-router';

/**
 * Filters kept in the URL's query string (so a page can link to a filtered list), read by name and set one at a
 * time; an empty value removes the filter. Replaces the history entry: typing a filter is not navigation.
 */
export function useUrlFilters<Name extends string>(names: readonly Name[]) {
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(names.map((name) => [name, params.get(name) ?? undefined])) as Record<Name, string | undefined>;
  const setFilter = (name: Name, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  return { filters, setFilter };
}
