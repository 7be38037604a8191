import { useEffect } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { loadChats, resetChats } from '../state/chats.js';
import { me } from '../state/session.js';
import { ForgotPassword, OAuthCallback, ResetPassword, VerifyEmail } from './auth/Recovery.js';
import { SignIn } from './auth/SignIn.js';
import { SignUp } from './auth/SignUp.js';
import { ChatsPage } from './chats/ChatsPage.js';
import { PeoplePage } from './people/PeoplePage.js';
import { Placeholder } from './Placeholder.js';
import { PostsPage } from './posts/PostsPage.js';
import { UserPage } from './posts/UserPage.js';
import { SettingsPage } from './settings/SettingsPage.js';
import { Shell } from './Shell.js';

/** Links the router follows itself: all but the API's, which the browser must load (a provider sign-in starts at one). */
const CLIENT_LINKS = /^(?!\/api\/)/;

/** Pages anyone may open: signed out, or following a link from a mail. */
const OPEN_PAGES = ['/signin', '/signup', '/forgot-password', '/reset-password', '/verify-email', '/oauth/callback'];

export function App() {
  return (
    <LocationProvider scope={CLIENT_LINKS}>
      <Pages />
    </LocationProvider>
  );
}

function Pages() {
  const { path, route } = useLocation();
  const user = me.value;
  const open = OPEN_PAGES.includes(path);

  useEffect(() => {
    if (user === null && !open) route('/signin', true);
    if (user && (path === '/signin' || path === '/signup')) route('/', true);
  }, [user, path]);
  useEffect(() => {
    if (user) void loadChats().catch(() => undefined);
    else if (user === null) resetChats();
  }, [user?.id]);

  if (user === undefined) {
    return (
      <p class="boot" role="status">
        Loading…
      </p>
    );
  }
  if (open || user === null) {
    return (
      <Router>
        <Route path="/signup" component={SignUp} />
        <Route path="/forgot-password" component={ForgotPassword} />
        <Route path="/reset-password" component={ResetPassword} />
        <Route path="/verify-email" component={VerifyEmail} />
        <Route path="/oauth/callback" component={OAuthCallback} />
        <Route default component={SignIn} />
      </Router>
    );
  }
  return (
    <Shell>
      <Router>
        <Route path="/" component={ChatsPage} />
        <Route path="/chats/:id" component={ChatsPage} />
        <Route path="/people" component={PeoplePage} />
        <Route path="/posts" component={PostsPage} />
        <Route path="/users/:id" component={UserPage} />
        <Route path="/settings" component={SettingsPage} />
        <Route default component={() => <Placeholder title="Not found" />} />
      </Router>
    </Shell>
  );
}
