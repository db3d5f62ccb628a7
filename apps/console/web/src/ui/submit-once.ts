import { useRef } from 'react';

/**
 * Guards an action against a double click: `mutation.isPending` only disables the button after React
 * re-renders, so a second click in the same frame would send the request twice (two live runs, two
 * silences, a spurious 409). The ref flips synchronously.
 */
export function useSubmitOnce(): (action: () => Promise<unknown>) => void {
  const inFlight = useRef(false);
  return (action) => {
    if (inFlight.current) return;
    inFlight.current = true;
    // The mutation shows its own error; the guard only needs to know it ended.
    action()
      .catch(() => undefined)
      .finally(() => {
        inFlight.current = false;
      });
  };
}
