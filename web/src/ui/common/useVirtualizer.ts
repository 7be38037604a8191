import { elementScroll, observeElementOffset, observeElementRect, Virtualizer, type PartialKeys, type VirtualizerOptions } from '@tanstack/virtual-core';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

export type VirtualListOptions = PartialKeys<VirtualizerOptions<HTMLElement, HTMLElement>, 'observeElementRect' | 'observeElementOffset' | 'scrollToFn'> & {
  /** Called whenever the view is within `nearStartPx` of the list's start: time to load what comes before. */
  onNearStart?: () => void;
  nearStartPx?: number;
};

/**
 * TanStack Virtual's virtualizer for a scrolling element, as a Preact hook: the component renders
 * again whenever the rows to show change. (TanStack ships adapters for React, Vue, Solid, Svelte,
 * Lit and Angular; this is the same few lines for Preact, without preact/compat.)
 */
export function useVirtualizer({ onNearStart, nearStartPx = 600, ...options }: VirtualListOptions): Virtualizer<HTMLElement, HTMLElement> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const nearStart = useRef(onNearStart);
  nearStart.current = onNearStart;
  const checkStart = (instance: Virtualizer<HTMLElement, HTMLElement>) => {
    if (instance.scrollElement && (instance.scrollOffset ?? 0) < nearStartPx) nearStart.current?.();
  };
  const resolved: VirtualizerOptions<HTMLElement, HTMLElement> = {
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    ...options,
    onChange: (instance, sync) => {
      rerender(0);
      checkStart(instance);
      options.onChange?.(instance, sync);
    },
  };
  const [virtualizer] = useState(() => new Virtualizer(resolved));
  virtualizer.setOptions(resolved);
  useLayoutEffect(() => virtualizer._didMount(), []);
  useLayoutEffect(() => virtualizer._willUpdate());
  // Rows that went in above without moving the view bring no scroll event, and may leave the start
  // still in reach: look again whenever the rows change.
  useEffect(() => checkStart(virtualizer), [options.count]);
  return virtualizer;
}
