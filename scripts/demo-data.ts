import sharp from 'sharp';
import { ApiError, MessengerClient } from '../sdk/src/index.js';

/** The password of every demo account: long, and in no list of common ones. */
export const DEMO_PASSWORD = 'lantern-harbor-73-violet';

interface DemoPerson {
  username: string;
  firstName: string;
  lastName: string;
  bio: string;
}

export const DEMO_PEOPLE: DemoPerson[] = [
  { username: 'ada', firstName: 'Ada', lastName: 'Lindqvist', bio: 'Climbs on weekends, codes on weekdays.' },
  { username: 'ben', firstName: 'Ben', lastName: 'Okafor', bio: 'Coffee, trains and long walks.' },
  { username: 'cleo', firstName: 'Cleo', lastName: 'Marchetti', bio: 'Photographer. Mostly skies.' },
  { username: 'dan', firstName: 'Dan', lastName: 'Novak', bio: 'New here.' },
];

/** A small landscape picture (sky, sun, hills) in one of a few palettes, as PNG. */
async function landscape(palette: number, width = 960, height = 640): Promise<Buffer> {
  const palettes = [
    ['#ffcf8a', '#ff7e5f', '#3b2a4d', '#59405c'],
    ['#9ad7ff', '#e6f6ff', '#2f6b3a', '#4f8f4a'],
    ['#2b2d64', '#7b4fa0', '#1b1b2f', '#2e2e4f'],
    ['#ffe7a3', '#ffd1dc', '#6a8d73', '#8fb996'],
  ];
  const [top, bottom, far, near] = palettes[palette % palettes.length]!;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>
    <circle cx="${width * 0.7}" cy="${height * 0.35}" r="${height * 0.12}" fill="#fff6d5" opacity="0.9"/>
    <path d="M0 ${height * 0.7} L${width * 0.25} ${height * 0.45} L${width * 0.5} ${height * 0.68} L${width * 0.75} ${height * 0.5} L${width} ${height * 0.66} V${height} H0Z" fill="${far}"/>
    <path d="M0 ${height * 0.85} Q${width * 0.3} ${height * 0.7} ${width * 0.6} ${height * 0.82} T${width} ${height * 0.8} V${height} H0Z" fill="${near}"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const blob = (data: Buffer) => new Blob([new Uint8Array(data)], { type: 'image/png' });

/** Signs the person in, registering them first when they have no account. */
async function account(baseUrl: string, person: DemoPerson): Promise<{ client: MessengerClient; id: number; created: boolean }> {
  const client = new MessengerClient({ baseUrl });
  let created = false;
  try {
    await client.unwrap(
      client.api.POST('/api/v1/auth/register', {
        body: { username: person.username, email: `${person.username}@example.com`, password: DEMO_PASSWORD, passwordConfirm: DEMO_PASSWORD, firstName: person.firstName, lastName: person.lastName },
      }),
    );
    created = true;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
  }
  const result = await client.login({ login: person.username, password: DEMO_PASSWORD });
  if (result.status !== 'signedIn') throw new Error(`${person.username} uses two-step sign-in: cannot seed it`);
  if (created) await client.unwrap(client.api.PATCH('/api/v1/users/me', { body: { bio: person.bio } }));
  return { client, id: result.user.id, created };
}

/**
 * Fills the server at `baseUrl` with demo people, friendships, chats with history and photos, and
 * posts, through the public API. Run twice, it changes nothing the second time.
 */
export async function seedDemo(baseUrl: string): Promise<{ created: boolean }> {
  const [ada, ben, cleo, dan] = await Promise.all(DEMO_PEOPLE.map((person) => account(baseUrl, person)));
  if (!ada || !ben || !cleo || !dan) throw new Error('demo people missing');
  if (!ada.created) return { created: false };

  for (const [index, person] of [ada, ben, cleo].entries()) await person.client.setAvatar(blob(await landscape(index, 256, 256)));

  const befriend = async (a: typeof ada, b: typeof ada) => {
    await a.client.unwrap(a.client.api.PUT('/api/v1/friends/{userId}', { params: { path: { userId: b.id } } }));
    await b.client.unwrap(b.client.api.PUT('/api/v1/friends/{userId}', { params: { path: { userId: a.id } } }));
  };
  await befriend(ada, ben);
  await befriend(ada, cleo);
  await befriend(ben, cleo);
  // Dan asks Ada; she has not answered yet.
  await dan.client.unwrap(dan.client.api.PUT('/api/v1/friends/{userId}', { params: { path: { userId: ada.id } } }));

  const say = async (who: typeof ada, chatId: number, text: string) =>
    who.client.unwrap(who.client.api.POST('/api/v1/chats/{id}/messages', { params: { path: { id: chatId } }, body: { text } }));
  const photo = async (who: typeof ada, chatId: number, palette: number, text?: string) => {
    const upload = await who.client.upload(blob(await landscape(palette)), `photo-${palette}.png`);
    return who.client.unwrap(who.client.api.POST('/api/v1/chats/{id}/messages', { params: { path: { id: chatId } }, body: { attachmentIds: [upload.id], ...(text ? { text } : {}) } }));
  };

  const hike = await ada.client.unwrap(ada.client.api.POST('/api/v1/chats', { body: { type: 'group', name: 'Weekend hike', memberIds: [ben.id, cleo.id] } }));
  await say(ada, hike.id, 'Saturday: the ridge trail? Forecast says clear skies.');
  await say(ben, hike.id, 'In! I can drive, three seats free.');
  await say(cleo, hike.id, 'Yes please. Bringing the good camera.');
  await say(ada, hike.id, 'Meet at 8 by the station?');
  await say(ben, hike.id, '8 works.');
  await photo(cleo, hike.id, 0, 'Last time we were up there');
  await say(ada, hike.id, 'That light! 😍');

  const direct = await ada.client.unwrap(ada.client.api.POST('/api/v1/chats', { body: { type: 'direct', memberIds: [ben.id] } }));
  const lines = [
    [ben, 'Did you see the new trains schedule?'],
    [ada, 'No, what changed?'],
    [ben, 'The 7:40 is gone. Next one is 8:05.'],
    [ada, 'Ugh. Good thing Saturday is by car.'],
    [ben, 'Ha, true.'],
    [ada, 'Coffee tomorrow?'],
    [ben, 'Always. The place on the corner, 10?'],
    [ada, 'See you there ☕'],
  ] as const;
  // A history long enough to scroll.
  for (let round = 0; round < 4; round++) for (const [who, text] of lines) await say(who, direct.id, text);
  await photo(ben, direct.id, 3, 'The corner place has a new terrace');

  const studio = await cleo.client.unwrap(cleo.client.api.POST('/api/v1/chats', { body: { type: 'direct', memberIds: [ada.id] } }));
  await say(cleo, studio.id, 'Can I use your photo of the lake for the exhibition?');
  await say(ada, studio.id, 'Of course! Credit me as Ada L.');
  await photo(cleo, studio.id, 1);

  const sunset = await cleo.client.createPost({ text: 'Three evenings, three skies. Which one?', images: [blob(await landscape(0)), blob(await landscape(2))] });
  const coffee = await ben.client.createPost({ text: 'New terrace at the corner café. Worth the wait.', images: [blob(await landscape(3))] });
  await ada.client.createPost({ text: 'Packing for Saturday: water, snacks, a jacket I will not need.', visibility: 'friends' });
  for (const [who, post] of [[ada, sunset], [ben, sunset], [ada, coffee]] as const) {
    await who.client.unwrap(who.client.api.PUT('/api/v1/posts/{id}/like', { params: { path: { id: post.id } } }));
  }
  await ada.client.unwrap(ada.client.api.POST('/api/v1/posts/{id}/comments', { params: { path: { id: sunset.id } }, body: { text: 'The second one, easily.' } }));
  await ben.client.unwrap(ben.client.api.POST('/api/v1/posts/{id}/comments', { params: { path: { id: sunset.id } }, body: { text: 'All three!' } }));
  return { created: true };
}
