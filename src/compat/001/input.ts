import { Type, type Static, type TSchema } from 'typebox';
import { Email, GivenPassword, Name, Password, Username } from '../../http/auth/fields.js';
import { GroupName } from '../../http/chats-routes.js';
import { Id } from '../../http/schemas.js';
import { compileJsonValidator } from '../../http/validation.js';
import { describe } from '../../services/auth/account-service.js';
import { MAX_TEXT_LENGTH } from '../../services/chats/message-service.js';
import { validationError } from '../../services/errors.js';

/**
 * What 001's requests become: the canonical API's inputs, checked with the same field rules as
 * /api/v1 checks its bodies (formats, lengths, control characters), so that the dialect accepts
 * nothing the canonical API would refuse. Field errors name the canonical fields; the routes
 * rename them to the document's.
 */
function checker<T extends TSchema>(schema: T): (value: Record<string, unknown>) => Static<T> {
  const validate = compileJsonValidator(schema);
  return (value) => {
    const defined = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
    const fields = validate(defined);
    if (fields) throw validationError('validation_failed', describe(fields), fields);
    return defined as Static<T>;
  };
}

export const registration = checker(
  Type.Object({
    username: Username,
    email: Email,
    password: Password,
    passwordConfirm: GivenPassword,
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
  }),
);

export const passwordChange = checker(Type.Object({ currentPassword: GivenPassword, newPassword: Password, newPasswordConfirm: GivenPassword }));

export const profileEdit = checker(
  Type.Object({
    username: Type.Optional(Username),
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    email: Type.Optional(Email),
    currentPassword: Type.Optional(GivenPassword),
  }),
);

export const passwordForgot = checker(Type.Object({ email: Email }));

export const passwordReset = checker(
  Type.Object({
    email: Type.Optional(Email),
    code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', 'x-message': 'must be the 6 digits from the mail' })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    newPassword: Password,
  }),
);

export const groupCreation = (maxMembers: number) => checker(Type.Object({ name: GroupName, memberIds: Type.Array(Id, { maxItems: maxMembers }) }));

export const memberAddition = (maxMembers: number) => checker(Type.Object({ userIds: Type.Array(Id, { minItems: 1, maxItems: maxMembers }) }));

export const chatQuery = checker(Type.Object({ search: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), withMember: Type.Optional(Id) }));

export const messageInput = checker(Type.Object({ text: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH })) }));
