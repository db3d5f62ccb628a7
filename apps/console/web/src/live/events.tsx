import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { createParser } from 'eventsource-parser';
import { getToken } from '../auth/token';
import { invalidateLive, LIVE_QUERY_KEYS } from './invalidate';

/** One event from the bus as the console streams it: the subject and the CloudEvent. */
export interface LiveEvent {
  subject: string;
  id: string;
  data: { id: string; type: string; time: string; subject?: string; data: Record<string, unknown> };
}

type Listener = (event: LiveEvent) => void;
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

interface LiveHub {
  subscribe(listener: Listener): () => void;
  status: LiveStatus;
}

const LiveContext = createContext<LiveHub | null>(null);

/**
 * One stream of `/api/console/events` per tab, read with fetch (not EventSource) so the token goes in the
 * Authorization header and never into a URL. Reconnects with backoff; after a reconnect pages refetch,
 * since events sent meanwhile are not replayed.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => {
    const abort = new AbortController();
    void streamForever(abort.signal, (event) => listeners.current.forEach((listener) => listener(event)), setStatus);
    return () => abort.abort();
  }, []);
  const queryClient = useQueryClient();
  // Events sent before the first connect or while the stream was down are not replayed: refetch on every 'live'.
  useEffect(() => {
    if (status === 'live') LIVE_QUERY_KEYS.forEach((queryKey) => invalidateLive(queryClient, queryKey));
  }, [status, queryClient]);
  const hub: LiveHub = {
    status,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  };
  return <LiveContext.Provider value={hub}>{children}</LiveContext.Provider>;
}

async function streamForever(signal: AbortSignal, emit: Listener, setStatus: (status: LiveStatus) => void): Promise<void> {
  let delayMs = 1000;
  while (!signal.aborted) {
    try {
      const response = await fetch('/api/console/events', {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${getToken() ?? ''}` },
        signal,
      });
      if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
      setStatus('live');
      delayMs = 1000;
      await readEvents(response.body, emit);
    } catch {
      if (signal.aborted) return;
    }
    setStatus('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 30_000);
  }
}

async function readEvents(body: ReadableStream<Uint8Array>, emit: Listener): Promise<void> {
  const parser = createParser({
    onEvent: (message) => {
      try {
        emit({ subject: message.event ?? 'message', id: message.id ?? '', data: JSON.parse(message.data) as LiveEvent['data'] });
      } catch {
        // A line that is not JSON is not ours to show.
      }
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(decoder.decode(value, { stream: true }));
  }
}

/** Calls `handler` for every live event whose subject starts with one of `prefixes` (`alerts.`, `runbooks.execution.`). */
export function useLiveEvents(prefixes: string[], handler: Listener): void {
  const hub = useContext(LiveContext);
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  const key = prefixes.join('|');
  useEffect(() => {
    if (!hub) return;
    const wanted = key.split('|');
    return hub.subscribe((event) => {
      if (wanted.some((prefix) => event.subject.startsWith(prefix))) latest.current(event);
    });
  }, [hub, key]);
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext)?.status ?? 'connecting';
}
