import { useCallback, useEffect, useRef } from 'react';
import type { CopyEvent } from '../../pipeline/events.js';
import type { TuiAction } from '../state/machine.js';

/**
 * The pipeline may report thousands of byte counts a second; the screen needs ten. Events are
 * buffered and handed to the reducer in order, once per frame, together with a clock tick so
 * throughput and ETA move even while a blob is silent.
 */
export function useCopyEvents(dispatch: (a: TuiAction) => void, running: boolean, frameMs = 100): { push: (e: CopyEvent) => void; flush: () => void } {
  const buffer = useRef<CopyEvent[]>([]);
  const flush = useCallback(() => {
    const events = buffer.current;
    buffer.current = [];
    if (events.length) dispatch({ type: 'copy/events', events, at: Date.now() });
    else dispatch({ type: 'copy/tick', at: Date.now() });
  }, [dispatch]);
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(flush, frameMs);
    return () => clearInterval(timer);
  }, [running, flush, frameMs]);
  const push = useCallback((e: CopyEvent) => {
    buffer.current.push(e);
  }, []);
  return { push, flush };
}
