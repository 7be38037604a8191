import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { RealtimeStatus } from '@messenger/sdk';
import { realtime } from '../api.js';
import { unreadTotal } from '../state/chats.js';
import { me, signOut } from '../state/session.js';
import { Avatar } from './common/Avatar.js';

const SECTIONS = [
  { href: '/', label: 'Chats', match: (path: string) => path === '/' || path.startsWith('/chats') },
  { href: '/people', label: 'People', match: (path: string) => path.startsWith('/people') },
  { href: '/posts', label: 'Posts', match: (path: string) => path.startsWith('/posts') },
  { href: '/settings', label: 'Settings', match: (path: string) => path.startsWith('/settings') },
];

/** The signed-in frame: the sections, the connection state, and the page. */
export function Shell({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const status = useConnection();
  const user = me.value;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav class="sections" aria-label="Sections">
        {SECTIONS.map((section) => (
          <a key={section.href} href={section.href} aria-current={section.match(path) ? 'page' : undefined}>
            {section.label}
            {section.label === 'Chats' && unreadTotal.value > 0 && (
              <span class="badge" aria-label={`${unreadTotal.value} unread`}>
                {unreadTotal.value}
              </span>
            )}
          </a>
        ))}
        <span class="spacer" />
        {user && (
          <a href="/settings" class="me" aria-label={`Signed in as ${user.username}`}>
            <Avatar person={user} size={28} />
          </a>
        )}
        <button type="button" class="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </nav>
      {status !== 'live' && status !== 'idle' && (
        <p class="connection" role="status">
          {status === 'catchingUp' ? 'Catching up…' : status === 'stopped' ? 'Disconnected' : 'Reconnecting…'}
        </p>
      )}
      <div id="main" class="page">
        {children}
      </div>
    </div>
  );
}

/** The live connection's state; a browser back online retries at once. */
function useConnection(): RealtimeStatus {
  const [status, setStatus] = useState<RealtimeStatus>(realtime.status);
  useEffect(() => {
    const off = realtime.on('status', (next) => setStatus(next));
    const online = () => void realtime.connect().catch(() => undefined);
    // The socket may look open long after the network went: give it up now, keep what is queued.
    const offline = () => realtime.dropConnection();
    addEventListener('online', online);
    addEventListener('offline', offline);
    return () => {
      off();
      removeEventListener('online', online);
      removeEventListener('offline', offline);
    };
  }, []);
  return status;
}
