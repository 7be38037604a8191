import { Component, h, type ComponentChildren, type FunctionComponent } from 'preact';

/**
 * A component that renders again only when one of its props changed (compared one by one, by
 * identity): a chat of thousands of messages re-renders only the rows that changed when a page
 * of history or a new message comes in. preact/compat has this, at the cost of all of compat.
 */
export function memo<P extends object>(component: FunctionComponent<P>): FunctionComponent<P> {
  class Memoized extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const current = this.props as Record<string, unknown>;
      const incoming = next as Record<string, unknown>;
      const keys = Object.keys(incoming);
      return keys.length !== Object.keys(current).length || keys.some((key) => current[key] !== incoming[key]);
    }

    override render(props: P): ComponentChildren {
      return h(component, props);
    }
  }
  return Memoized as unknown as FunctionComponent<P>;
}
