import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { createCoalescer } from './coalesce';

type Coalescer = ReturnType<typeof createCoalescer>;
const perClient = new WeakMap<QueryClient, { coalescer: Coalescer; keys: Map<string, QueryKey> }>();

function coalescerFor(queryClient: QueryClient) {
  let entry = perClient.get(queryClient);
  if (!entry) {
    const keys = new Map<string, QueryKey>();
    const coalescer = createCoalescer((hash) => refetch(queryClient, keys.get(hash)));
    entry = { coalescer, keys };
    perClient.set(queryClient, entry);
  }
  return entry;
}

/**
 * cancelRefetch false: a fetch already under way is kept (cancelling it on every event is what froze the
 * list in a storm). That fetch may have read before the event, so after it ends one more is started.
 */
async function refetch(queryClient: QueryClient, queryKey: QueryKey | undefined): Promise<void> {
  if (!queryKey) return;
  if (queryClient.isFetching({ queryKey }) > 0) await queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false });
  await queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false });
}

/** Asks for a refetch of `queryKey` after a live event: at most one per ~1.5 s per key, shared by every page. */
export function invalidateLive(queryClient: QueryClient, queryKey: QueryKey): void {
  const { coalescer, keys } = coalescerFor(queryClient);
  const hash = JSON.stringify(queryKey);
  keys.set(hash, queryKey);
  coalescer.request(hash);
}

export function useLiveInvalidate(): (queryKey: QueryKey) => void {
  const queryClient = useQueryClient();
  return (queryKey) => invalidateLive(queryClient, queryKey);
}

/** Query keys the live stream keeps fresh: refetched when it (re)connects, since missed events are not replayed. */
export const LIVE_QUERY_KEYS: QueryKey[] = [['alerts'], ['alert'], ['executions'], ['execution'], ['approvals'], ['slos'], ['slo']];
