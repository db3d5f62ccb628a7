import { useEffect, useRef } from 'react';

/**
 * Guards an action against a double click: `mutation.isPending` only disables the button after React
 * re-renders, so a second click in the same frame would send the request twice (two live runs, two
 * silences, a spurious 409). The ref flips synchronously.
 *
 * With `state` (the server's version of the thing acted on, e.g. an alert's status and updatedAt), a
 * successful action keeps the guard until that state changes: the answer can arrive before the list
 * re-renders, and a second click in that gap would act on what is already acknowledged, approved or
 * expired (a 409 in front of the operator). A failed action releases the guard at once so it can be
 * retried. Without `state` (forms that may be submitted again) the guard ends with the request.
 */
export function useSubmitOnce(state?: string): (action: () => Promise<unknown>) => void {
  const inFlight = useRef(false);
  useEffect(() => {
    inFlight.current = false;
  }, [state]);
  return (action) => {
    if (inFlight.current) return;
    inFlight.current = true;
    // The mutation shows its own error; the guard only needs to know how it ended.
    action().then(
      () => {
        if (state === undefined) inFlight.current = false;
      },
      () => {
        inFlight.current = false;
      },
    );
  };
}
