import type { PersonRecord, UserDirectory } from '../../../src/store/user-directory.js';
import type { GroupAdds, UsersRepository } from '../../../src/store/users-repository.js';

/** The people who exist, by id, with their group-add setting. */
export class FakePeople implements Pick<UserDirectory, 'byIds'>, Pick<UsersRepository, 'groupAddsOf'> {
  private readonly people = new Map<number, PersonRecord & { groupAdds: GroupAdds }>();

  add(id: number, username = `user${id}`, groupAdds: GroupAdds = 'everyone'): PersonRecord {
    const person = { id, username, firstName: username, lastName: '', bio: '', avatarKey: null, lastSeenAt: null, groupAdds };
    this.people.set(id, person);
    return this.person(id)!;
  }

  person(id: number): PersonRecord | undefined {
    const found = this.people.get(id);
    if (!found) return undefined;
    const { groupAdds: _setting, ...person } = found;
    return person;
  }

  has(id: number): boolean {
    return this.people.has(id);
  }

  async byIds(ids: number[]): Promise<Map<number, PersonRecord>> {
    return new Map(ids.flatMap((id) => (this.people.has(id) ? [[id, this.person(id)!] as const] : [])));
  }

  async groupAddsOf(ids: readonly number[]): Promise<Map<number, GroupAdds>> {
    return new Map(ids.flatMap((id) => (this.people.has(id) ? [[id, this.people.get(id)!.groupAdds] as const] : [])));
  }
}
