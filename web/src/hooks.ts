import { useEffect, useRef, useState } from 'preact/hooks';

/** The current time, re-rendered every `everyMs` (one shared timer per component). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** Runs `fn` now and every `everyMs` while the tab is visible, and at once when it shows again. */
export function usePoll(fn: () => void | Promise<void>, everyMs: number, deps: unknown[]) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    let stopped = false;
    const tick = () => {
      if (!stopped && document.visibilityState === 'visible') void saved.current();
    };
    tick();
    const id = setInterval(tick, everyMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      stopped = true;
      clearInterval(id);
      document.removeEventListener('visibilitychange', tick);
    };
  }, deps);
}

/** `value`, settled for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/**
 * The rendered width of an element (CSS pixels), followed with a ResizeObserver: charts draw in
 * real pixels, so their text keeps its size at phone width instead of shrinking with a viewBox.
 */
export function useWidth<T extends Element>(fallback: number): [(el: T | null) => void, number] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    if (!el) return;
    const measure = () => setWidth(Math.round(el.getBoundingClientRect().width) || fallback);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [el, fallback]);
  return [setEl, width];
}
