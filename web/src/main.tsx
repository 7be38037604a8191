import { render } from 'preact';
import './styles.css';
import { followRealtime } from './state/chats.js';
import { followPeople } from './state/people.js';
import { restoreSession } from './state/session.js';
import { App } from './ui/App.js';

followRealtime();
followPeople();
void restoreSession();
render(<App />, document.getElementById('app')!);
