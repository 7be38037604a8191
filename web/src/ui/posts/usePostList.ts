import { useEffect, useRef, useState } from 'preact/hooks';
import type { Post } from '@messenger/sdk';
import { realtime } from '../../api.js';
import { me } from '../../state/session.js';
import { useTask } from '../common/useTask.js';

export interface PostPage {
  items: Post[];
  nextCursor: string | null;
}

/**
 * A list of posts read page by page, kept true by live events: likes and comments change counts,
 * new posts that `accepts` come in at the top. `key` names the list: a new key starts over.
 */
export function usePostList(key: string, fetchPage: (cursor?: string) => Promise<PostPage>, accepts: (post: Post) => boolean) {
  const [posts, setPosts] = useState<Post[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const { busy, error, run } = useTask();
  // Answers for a list that is no longer shown (the tab changed meanwhile) are dropped.
  const current = useRef(key);

  const load = (from?: string) =>
    run(async () => {
      const asked = key;
      const page = await fetchPage(from);
      if (current.current !== asked) return;
      setPosts((shown) => (from ? [...shown, ...page.items.filter((p) => !shown.some((s) => s.id === p.id))] : page.items));
      setCursor(page.nextCursor);
      setLoaded(true);
    });

  useEffect(() => {
    current.current = key;
    setPosts([]);
    setCursor(null);
    setLoaded(false);
    void load();
  }, [key]);

  const add = (post: Post) => {
    if (accepts(post)) setPosts((shown) => [post, ...shown.filter((p) => p.id !== post.id)]);
  };
  const replace = (post: Post) => setPosts((shown) => shown.map((p) => (p.id === post.id ? post : p)));
  const remove = (id: number) => setPosts((shown) => shown.filter((p) => p.id !== id));
  const change = (id: number, update: (post: Post) => Post) => setPosts((shown) => shown.map((p) => (p.id === id ? update(p) : p)));

  useEffect(() => {
    const offs = [
      realtime.on('post.created', (event) => add(event.post)),
      realtime.on('post.liked', (event) => change(event.postId, (p) => ({ ...p, likeCount: event.likeCount }))),
      // My own comments are counted where I write them.
      realtime.on('comment.created', (event) => {
        if (event.comment.author.id !== me.value?.id) change(event.postId, (p) => ({ ...p, commentCount: p.commentCount + 1 }));
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [key]);

  return { posts, loaded, hasMore: cursor !== null, busy, error, loadMore: () => load(cursor ?? undefined), add, replace, remove };
}
