import { client } from '../../api.js';

export type TwoFactorStatus = Awaited<ReturnType<typeof loadTwoFactorStatus>>;

export const loadTwoFactorStatus = () => client.unwrap(client.api.GET('/api/v1/auth/2fa'));
