import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client, problemText } from '../../api.js';
import * as friendship from '../../state/friendship.js';
import { blocked, displayName, friends, incoming, loadPeople, outgoing, type Person } from '../../state/people.js';
import { Avatar } from '../common/Avatar.js';
import { FormError } from '../common/Field.js';

type Found = Person & { friendship: 'none' | 'friends' | 'outgoing' | 'incoming' | 'blocked' };

/** Find people, answer requests, and see friends with their presence. */
export function PeoplePage() {
  const { route } = useLocation();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found[] | null>(null);
  const [error, setError] = useState<string>();

  useEffect(() => {
    loadPeople().catch((e: unknown) => setError(problemText(e)));
  }, []);

  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      if (query.trim()) await search(query);
    } catch (caught) {
      setError(problemText(caught));
    }
  };
  const befriend = (id: number) => act(() => friendship.befriend(id));
  const unfriend = (id: number) => act(() => friendship.unfriend(id));
  const block = (id: number) => act(() => friendship.block(id));
  const unblock = (id: number) => act(() => friendship.unblock(id));
  const message = async (id: number) => {
    try {
      route(`/chats/${await friendship.directChat(id)}`);
    } catch (caught) {
      setError(problemText(caught));
    }
  };

  const search = async (text: string) => {
    if (text.trim() === '') {
      setFound(null);
      return;
    }
    const page = await client.unwrap(client.api.GET('/api/v1/users', { params: { query: { search: text.trim(), limit: 20 } } }));
    setFound(page.items);
  };

  return (
    <main class="people">
      <h1>People</h1>
      <FormError message={error} />
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          search(query).catch((err: unknown) => setError(problemText(err)));
        }}
      >
        <label for="people-search">Find people by name</label>
        <div class="row">
          <input id="people-search" type="search" value={query} onInput={(e) => setQuery((e.currentTarget).value)} />
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      {found && (
        <section aria-label="Search results">
          <h2>Results</h2>
          {found.length === 0 ? <p class="empty">Nobody by that name.</p> : (
            <ul role="list" class="people-list">
              {found.map((person) => (
                <PersonRow key={person.id} person={person}>
                  {person.friendship === 'none' && <button type="button" class="primary" onClick={() => void befriend(person.id)}>Add friend</button>}
                  {person.friendship === 'incoming' && <button type="button" class="primary" onClick={() => void befriend(person.id)}>Accept</button>}
                  {person.friendship === 'outgoing' && <button type="button" onClick={() => void unfriend(person.id)}>Cancel request</button>}
                  {person.friendship === 'friends' && <button type="button" onClick={() => void message(person.id)}>Message</button>}
                  {person.friendship === 'blocked' && <button type="button" onClick={() => void unblock(person.id)}>Unblock</button>}
                  {person.friendship !== 'blocked' && <button type="button" onClick={() => void block(person.id)}>Block</button>}
                </PersonRow>
              ))}
            </ul>
          )}
        </section>
      )}
      {incoming.value.length > 0 && (
        <section aria-label="Friend requests to you">
          <h2>Requests</h2>
          <ul role="list" class="people-list">
            {incoming.value.map((person) => (
              <PersonRow key={person.id} person={person}>
                <button type="button" class="primary" onClick={() => void befriend(person.id)}>Accept</button>
                <button type="button" onClick={() => void unfriend(person.id)}>Decline</button>
              </PersonRow>
            ))}
          </ul>
        </section>
      )}
      {outgoing.value.length > 0 && (
        <section aria-label="Your friend requests">
          <h2>Sent requests</h2>
          <ul role="list" class="people-list">
            {outgoing.value.map((person) => (
              <PersonRow key={person.id} person={person}>
                <button type="button" onClick={() => void unfriend(person.id)}>Cancel</button>
              </PersonRow>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Friends">
        <h2>Friends</h2>
        {friends.value.length === 0 ? <p class="empty">No friends yet. Search for people above.</p> : (
          <ul role="list" class="people-list">
            {friends.value.map((person) => (
              <PersonRow key={person.id} person={person} online={person.isOnline}>
                <button type="button" class="primary" onClick={() => void message(person.id)}>Message</button>
                <button type="button" onClick={() => void unfriend(person.id)}>Remove</button>
                <button type="button" onClick={() => void block(person.id)}>Block</button>
              </PersonRow>
            ))}
          </ul>
        )}
      </section>
      {blocked.value.length > 0 && (
        <section aria-label="Blocked people">
          <h2>Blocked</h2>
          <ul role="list" class="people-list">
            {blocked.value.map((person) => (
              <PersonRow key={person.id} person={person}>
                <button type="button" onClick={() => void unblock(person.id)}>Unblock</button>
              </PersonRow>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

function PersonRow({ person, online, children }: { person: Person; online?: boolean; children: preact.ComponentChildren }) {
  return (
    <li class="person-row">
      <Avatar person={person} online={online} />
      <span class="person-name">
        <strong>{displayName(person)}</strong>
        {displayName(person) !== person.username && <small>@{person.username}</small>}
      </span>
      <span class="person-actions">{children}</span>
    </li>
  );
}
