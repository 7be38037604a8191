import type { UsersRepository } from '../../store/users-repository.js';
import type { SocialRepository } from '../../store/social-repository.js';
import type { AdmissionPolicy } from '../chats/ports.js';
import type { ErrorCode } from '../error-codes.js';
import { DomainError } from '../errors.js';

export interface ChatAdmissionDeps {
  social: Pick<SocialRepository, 'blockedAcross' | 'friendsAmong'>;
  users: Pick<UsersRepository, 'groupAddsOf'>;
}

/**
 * Who may put whom into a chat. Nobody brings in someone they block or who blocks them; into a
 * group, someone whose `groupAdds` is `friends` comes only by a friend's hand. People already in a
 * group together stay there whatever they do later, as in Telegram.
 */
export class ChatAdmission implements AdmissionPolicy {
  constructor(private readonly deps: ChatAdmissionDeps) {}

  async admit(adderId: number, userIds: readonly number[], chat: { kind: 'direct' | 'group'; field: string }): Promise<void> {
    const others = [...new Set(userIds)].filter((id) => id !== adderId);
    if (others.length === 0) return;
    const blocked = await this.deps.social.blockedAcross([adderId], others);
    if (blocked.size > 0) {
      throw refusal('blocked', 'You cannot bring in someone you block or who blocks you', chat.field, [...blocked], (id) => `user ${id} cannot be added: one of you blocks the other`);
    }
    if (chat.kind !== 'group') return;
    const groupAdds = await this.deps.users.groupAddsOf(others);
    const friendsOnly = others.filter((id) => groupAdds.get(id) === 'friends');
    const friends = await this.deps.social.friendsAmong(adderId, friendsOnly);
    const refused = friendsOnly.filter((id) => !friends.has(id));
    if (refused.length > 0) {
      throw refusal('group_add_not_allowed', 'Some people let only their friends add them to groups', chat.field, refused, (id) => `user ${id} lets only friends add them to groups`);
    }
  }
}

/** A 403 naming each person refused, as field errors on the list they were given in. */
const refusal = (code: ErrorCode, message: string, field: string, userIds: number[], explain: (userId: number) => string) =>
  new DomainError('forbidden', code, `${message}: user ${userIds.join(', ')}`, { fields: userIds.map((id) => ({ field, message: explain(id) })) });
