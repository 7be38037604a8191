import { useEffect, useRef } from 'preact/hooks';

/**
 * For a part that stands in for its button while open (an editor, a "Delete? Delete / Keep"
 * question): the keyboard moves into it when it opens, and back to the button when it closes,
 * rather than falling to the top of the page with the button that had it.
 */
export function useFocusSwap(open: boolean) {
  const opener = useRef<HTMLButtonElement>(null);
  const inside = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    if (open) inside.current?.focus();
    else if (wasOpen.current) opener.current?.focus();
    wasOpen.current = open;
  }, [open]);
  return { opener, inside };
}
