export type Feed = 'latest' | 'friends' | 'popular';

export const FEEDS: Array<{ id: Feed; label: string }> = [
  { id: 'latest', label: 'Latest' },
  { id: 'friends', label: 'Friends' },
  { id: 'popular', label: 'Popular' },
];

/** The feed tabs: the arrow keys move between them, as in any tab list; Tab goes on to the posts. */
export function FeedTabs({ current, onChange }: { current: Feed; onChange: (feed: Feed) => void }) {
  const onKeyDown = (event: KeyboardEvent) => {
    const at = FEEDS.findIndex((f) => f.id === current);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = FEEDS[(at + step + FEEDS.length) % FEEDS.length]!.id;
    onChange(next);
    requestAnimationFrame(() => document.getElementById(`feed-tab-${next}`)?.focus());
  };
  return (
    <div role="tablist" aria-label="Feeds" class="tabs" onKeyDown={onKeyDown}>
      {FEEDS.map((feed) => (
        <button
          key={feed.id}
          type="button"
          role="tab"
          id={`feed-tab-${feed.id}`}
          aria-selected={feed.id === current}
          aria-controls="feed-panel"
          tabIndex={feed.id === current ? 0 : -1}
          onClick={() => onChange(feed.id)}
        >
          {feed.label}
        </button>
      ))}
    </div>
  );
}
